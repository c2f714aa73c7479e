package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// readmeArchive finds the archive names the README gives, e.g.
// kubectl-pods_pattern_v0.1.0_linux_amd64.tar.gz (not the VERSION pattern).
var readmeArchive = regexp.MustCompile(`kubectl-pods_pattern_(v[0-9][^_\s]*)_[a-z]+_[a-z0-9]+\.(?:tar\.gz|zip)`)

var testEntries = []Entry{
	{Name: "README.md", Mode: 0o644, Data: []byte("# readme\n")},
	{Name: "kubectl-pods_pattern", Mode: 0o755, Data: []byte("\x7fELF binary")},
	{Name: "LICENSE", Mode: 0o644, Data: []byte("Apache\n")},
}

func TestTarGzIsReproducible(t *testing.T) {
	mtime := time.Unix(1764127800, 0)
	a, err := TarGz(testEntries, mtime)
	require.NoError(t, err)
	// Same files given in another order, an hour later on the clock: same bytes.
	reordered := []Entry{testEntries[2], testEntries[0], testEntries[1]}
	b, err := TarGz(reordered, mtime)
	require.NoError(t, err)
	assert.Equal(t, a, b)

	c, err := TarGz(testEntries, mtime.Add(time.Second))
	require.NoError(t, err)
	assert.NotEqual(t, a, c, "the mtime must be what is stamped")

	gz, err := gzip.NewReader(bytes.NewReader(a))
	require.NoError(t, err)
	assert.Empty(t, gz.Name)
	assert.True(t, gz.ModTime.IsZero() || gz.ModTime.Unix() == 0)
	tr := tar.NewReader(gz)
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		names = append(names, hdr.Name)
		assert.Equal(t, mtime.Unix(), hdr.ModTime.Unix(), hdr.Name)
		assert.Zero(t, hdr.Uid, hdr.Name)
		assert.Zero(t, hdr.Gid, hdr.Name)
		assert.Empty(t, hdr.Uname, hdr.Name)
		assert.Empty(t, hdr.Gname, hdr.Name)
		if hdr.Name == "kubectl-pods_pattern" {
			assert.Equal(t, int64(0o755), hdr.Mode)
		} else {
			assert.Equal(t, int64(0o644), hdr.Mode)
		}
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		assert.NotEmpty(t, data)
	}
	assert.Equal(t, []string{"LICENSE", "README.md", "kubectl-pods_pattern"}, names)
}

func TestZipIsReproducible(t *testing.T) {
	mtime := time.Unix(1764127800, 0)
	a, err := Zip(testEntries, mtime)
	require.NoError(t, err)
	b, err := Zip([]Entry{testEntries[1], testEntries[2], testEntries[0]}, mtime)
	require.NoError(t, err)
	assert.Equal(t, a, b)

	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	require.NoError(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		assert.Equal(t, mtime.Unix(), f.Modified.Unix(), f.Name)
		if f.Name == "kubectl-pods_pattern" {
			assert.Equal(t, os.FileMode(0o755), f.Mode().Perm())
		}
	}
	assert.Equal(t, []string{"LICENSE", "README.md", "kubectl-pods_pattern"}, names)
}

func TestChecksumsRoundTrip(t *testing.T) {
	sums := map[string]string{
		"b.zip":    strings.Repeat("1", 64),
		"a.tar.gz": strings.Repeat("a", 64),
	}
	text := FormatChecksums(sums)
	assert.Equal(t, strings.Repeat("a", 64)+"  a.tar.gz\n"+strings.Repeat("1", 64)+"  b.zip\n", text)
	back, err := ParseChecksums(strings.NewReader(text))
	require.NoError(t, err)
	assert.Equal(t, sums, back)

	_, err = ParseChecksums(strings.NewReader("nothex  a.tar.gz\n"))
	assert.ErrorContains(t, err, "line 1")
}

const testTemplate = `apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: pods-pattern
spec:
  version: {{ .TagName }}
  shortDescription: short
  platforms:
  - selector:
      matchLabels:
        os: linux
        arch: amd64
    {{addURIAndSha "https://example.com/download/{{ .TagName }}/kubectl-pods_pattern_{{ .TagName }}_linux_amd64.tar.gz" .TagName }}
    bin: kubectl-pods_pattern
  - selector:
      matchLabels:
        os: windows
        arch: amd64
      {{ indent 6 (addURIAndSha "https://example.com/download/{{ .Version }}/w.zip" .TagName) }}
    bin: kubectl-pods_pattern.exe
`

func TestRenderQuotesShaAndParsesAsKrewManifest(t *testing.T) {
	// An all-digit hash would be a number to YAML if it were not quoted.
	digits := strings.Repeat("7", 64)
	hexsum := strings.Repeat("ab", 32)
	sums := map[string]string{"kubectl-pods_pattern_v1.2.3_linux_amd64.tar.gz": digits, "w.zip": hexsum}
	out, err := Render(testTemplate, "v1.2.3", func(asset string) (string, error) {
		sum, ok := sums[asset]
		require.True(t, ok, asset)
		return sum, nil
	})
	require.NoError(t, err)
	assert.Contains(t, out, "    uri: https://example.com/download/v1.2.3/kubectl-pods_pattern_v1.2.3_linux_amd64.tar.gz\n    sha256: \""+digits+"\"\n")
	assert.Contains(t, out, "      uri: https://example.com/download/1.2.3/w.zip\n      sha256: \""+hexsum+"\"\n")

	var m struct {
		Spec struct {
			Version   string
			Platforms []struct {
				URI    string `json:"uri"`
				Sha256 any    `json:"sha256"`
			}
		}
	}
	require.NoError(t, yaml.Unmarshal([]byte(out), &m))
	assert.Equal(t, "v1.2.3", m.Spec.Version)
	require.Len(t, m.Spec.Platforms, 2)
	assert.Equal(t, digits, m.Spec.Platforms[0].Sha256, "sha256 must stay a string")

	again, err := Rerender(testTemplate, out)
	require.NoError(t, err)
	assert.Equal(t, out, again)
}

func TestRenderFailsOnMissingChecksum(t *testing.T) {
	_, err := Render(testTemplate, "v1.2.3", func(asset string) (string, error) {
		return "", os.ErrNotExist
	})
	assert.Error(t, err)
}

func TestRerenderSpotsDrift(t *testing.T) {
	out, err := Render(testTemplate, "v1.2.3", func(string) (string, error) { return strings.Repeat("c", 64), nil })
	require.NoError(t, err)
	edited := strings.Replace(testTemplate, "bin: kubectl-pods_pattern\n", "bin: kubectl-other\n", 1)
	again, err := Rerender(edited, out)
	require.NoError(t, err)
	assert.NotEqual(t, out, again)
	assert.Contains(t, firstDifference(again, out), "kubectl-other")
}

func TestPackWritesArchivesAndChecksums(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	write("build/linux_arm64/kubectl-pods_pattern", "linux binary")
	write("build/windows_amd64/kubectl-pods_pattern.exe", "windows binary")
	args := []string{"pack", "-version", "v0.1.0", "-epoch", "1764127800", "-build", filepath.Join(dir, "build"),
		"-out", dir, "-license", write("LICENSE", "license"), "-readme", write("README.md", "readme"),
		"-shim", write("shim", "#!/bin/sh"), "-shim-windows", write("shim.cmd", "@echo off")}
	require.NoError(t, run(args))
	first, err := os.ReadFile(filepath.Join(dir, "checksums.txt"))
	require.NoError(t, err)
	require.NoError(t, run(args))
	second, err := os.ReadFile(filepath.Join(dir, "checksums.txt"))
	require.NoError(t, err)
	assert.Equal(t, first, second)

	sums, err := ParseChecksums(bytes.NewReader(first))
	require.NoError(t, err)
	assert.Len(t, sums, 2)
	assert.Contains(t, sums, "kubectl-pods_pattern_v0.1.0_linux_arm64.tar.gz")
	assert.Contains(t, sums, "kubectl-pods_pattern_v0.1.0_windows_amd64.zip")

	data, err := os.ReadFile(filepath.Join(dir, "kubectl-pods_pattern_v0.1.0_windows_amd64.zip"))
	require.NoError(t, err)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"LICENSE", "README.md", "kubectl-pods_pattern.exe", "kubectl_complete-pods_pattern.cmd"}, names)
}

func TestRunRejectsBadUse(t *testing.T) {
	assert.ErrorContains(t, run(nil), "subcommand")
	assert.ErrorContains(t, run([]string{"nope"}), "unknown subcommand")
	assert.ErrorContains(t, run([]string{"pack"}), "pack needs")
	assert.ErrorContains(t, run([]string{"render"}), "render needs -tag")
}

// The README's install example and the committed krew manifest name the same
// release (make release VERSION=... updates both).
func TestReadmeAndManifestNameTheSameRelease(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	manifest, err := os.ReadFile(filepath.Join("..", "..", "plugins", "pods-pattern.yaml"))
	require.NoError(t, err)
	m := versionLine.FindStringSubmatch(string(manifest))
	require.NotNil(t, m, "plugins/pods-pattern.yaml has no spec.version")
	archives := readmeArchive.FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, archives, "README.md names no release archive")
	for _, a := range archives {
		assert.Equal(t, m[1], a[1], "README.md names %s, plugins/pods-pattern.yaml %s: run make release VERSION=...", a[0], m[1])
	}
}
