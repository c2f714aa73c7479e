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
		return fmt.Errorf("%s %q not found in namespace %q", kind, name, ns)
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err):
		// The API server's message names the user, verb and resource.
		return fmt.Errorf("%s", apiMessage(err))
	}
	return Explain(err)
}

// Explain makes transport and API errors readable; others pass unchanged.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return fmt.Errorf("%s", apiMessage(err))
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		var nerr net.Error
		reason := uerr.Err.Error()
		if errors.As(uerr.Err, &nerr) && nerr.Timeout() {
			reason = "timed out"
		}
		return fmt.Errorf("cannot reach the Kubernetes API at %s: %s (check --context/--kubeconfig and that the cluster is up)", hostOf(uerr.URL), reason)
	}
	return err
}

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
