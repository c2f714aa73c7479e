package cmd

import (
	"os"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func forbidden(resource string) error {
	return apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "", os.ErrPermission)
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }
