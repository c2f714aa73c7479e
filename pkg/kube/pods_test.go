package kube

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRef(t *testing.T) {
	for arg, want := range map[string]Ref{
		"nx":                  {Type: "pod", Name: "nx"},
		"pod/nx":              {Type: "pod", Name: "nx"},
		"po/nx":               {Type: "pod", Name: "nx"},
		"deploy/web":          {Type: "deployment", Name: "web"},
		"deployment.apps/web": {Type: "deployment", Name: "web"},
		"sts/db":              {Type: "statefulset", Name: "db"},
		"DS/agent":            {Type: "daemonset", Name: "agent"},
		"job/once":            {Type: "job", Name: "once"},
		"rs/web-123":          {Type: "replicaset", Name: "web-123"},
		"svc/web":             {Type: "service", Name: "web"},
	} {
		got, err := ParseRef(arg)
		require.NoError(t, err, arg)
		assert.Equal(t, want, got, arg)
	}
	for arg, msg := range map[string]string{
		"":         "empty pod name",
		"deploy/":  `"deploy/" is not TYPE/NAME`,
		"a/b/c":    `"a/b/c" is not TYPE/NAME`,
		"widget/x": `unknown resource type "widget"`,
	} {
		_, err := ParseRef(arg)
		assert.ErrorContains(t, err, msg, arg)
	}
}

func TestExplainUnreachable(t *testing.T) {
	err := Explain(&url.Error{Op: "Get", URL: "https://127.0.0.1:1/api/v1/namespaces/default/pods/nx", Err: errors.New("connect: connection refused")})
	assert.EqualError(t, err, "cannot reach the Kubernetes API at https://127.0.0.1:1: connect: connection refused (check --context/--kubeconfig and that the cluster is up)")
	assert.Nil(t, Explain(nil))
	var uerr *url.Error
	assert.ErrorAs(t, err, &uerr, "the reworded error wraps the transport's")
}

// Every TYPE that ParseRef accepts can be fetched and listed by name.
func TestEveryTypeHasAClient(t *testing.T) {
	for _, typ := range Types() {
		_, ok := clients[typ]
		assert.True(t, ok, "no client for %s", typ)
	}
	assert.Len(t, clients, len(Types()), "a client for a type ParseRef does not accept")
}
