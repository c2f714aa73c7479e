package kube

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// explain turns API errors into one line a person can act on.
func explain(err error, kind, name, ns string) error {
	switch {
	case apierrors.IsNotFound(err) && name != "":
		return &readableError{fmt.Sprintf("%s %q not found in namespace %q", kind, name, ns), err}
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err):
		// The API server's message names the user, verb and resource.
		return &readableError{apiMessage(err), err}
	}
	return Explain(err)
}

// Explain makes transport and API errors readable; others pass unchanged.
// The result still wraps the original, for errors.Is/As and apierrors.IsNotFound.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return &readableError{apiMessage(err), err}
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		var nerr net.Error
		reason := uerr.Err.Error()
		if errors.As(uerr.Err, &nerr) && nerr.Timeout() {
			reason = "timed out"
		}
		return &readableError{fmt.Sprintf("cannot reach the Kubernetes API at %s: %s (check --context/--kubeconfig and that the cluster is up)", hostOf(uerr.URL), reason), err}
	}
	return err
}

// readableError is an error reworded for people that still unwraps to the
// error it rewords.
type readableError struct {
	msg string
	err error
}

func (e *readableError) Error() string { return e.msg }
func (e *readableError) Unwrap() error { return e.err }

func apiMessage(err error) string {
	msg := err.Error()
	return strings.TrimSpace(msg)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host
}
