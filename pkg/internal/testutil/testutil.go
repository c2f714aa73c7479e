// Package testutil loads the shared pod fixtures and builds pods for tests.
package testutil

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Expected is the shape of a fixture's NAME.expected.json.
type Expected struct {
	Main      string            `json:"main"`
	Roles     map[string]string `json:"roles"`
	Kinds     map[string]string `json:"kinds"`
	InitOrder []string          `json:"initOrder"`
	Status    string            `json:"status"`
	Ready     string            `json:"ready"`
}

// Fixture is one pod manifest with its expectation.
type Fixture struct {
	Name     string // e.g. "seed/task2-nx"
	Path     string
	Pod      *corev1.Pod
	Expected Expected
}

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// FixturesDir holds the copied shared fixtures.
func FixturesDir() string { return filepath.Join(RepoRoot(), "testdata", "fixtures") }

// Fixtures loads every fixture that has an expected.json.
func Fixtures(t testing.TB) []Fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(FixturesDir(), "*", "*.expected.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no fixtures under %s", FixturesDir())
	var out []Fixture
	for _, exp := range paths {
		manifest := strings.TrimSuffix(exp, ".expected.json") + ".yaml"
		f := Fixture{Path: manifest, Pod: LoadPod(t, manifest)}
		rel, _ := filepath.Rel(FixturesDir(), manifest)
		f.Name = strings.TrimSuffix(rel, ".yaml")
		data, err := os.ReadFile(exp)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &f.Expected))
		out = append(out, f)
	}
	return out
}

// LoadPod reads one Pod manifest.
func LoadPod(t testing.TB, path string) *corev1.Pod {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var pod corev1.Pod
	require.NoError(t, yaml.Unmarshal(data, &pod), path)
	return &pod
}

// LoadEvents reads an EventList manifest.
func LoadEvents(t testing.TB, path string) []corev1.Event {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var list corev1.EventList
	require.NoError(t, yaml.Unmarshal(data, &list), path)
	return list.Items
}
