// Command dist packs the release archives and renders the krew manifest. It is
// a build tool, not part of the plugin: hack/dist.sh and hack/render-krew.sh
// run it with `go run ./hack/dist`.
//
//	dist pack   -version V -epoch SECONDS -build DIR -out DIR -license FILE -readme FILE -shim FILE -shim-windows FILE
//	dist render -tag V -template .krew.yaml -checksums dist/checksums.txt -out plugins/pods-pattern.yaml
//	dist check  -template .krew.yaml -manifest plugins/pods-pattern.yaml
//
// The archives are reproducible: entries in a fixed order, one fixed mtime
// (the commit's time), owner 0:0 with no names, fixed modes, and no gzip
// name or time. Two runs on the same inputs give the same bytes.
package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"time"
)

const binary = "kubectl-pods_pattern"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "dist: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("name a subcommand: pack, render or check")
	}
	switch args[0] {
	case "pack":
		return runPack(args[1:])
	case "render":
		return runRender(args[1:])
	case "check":
		return runCheck(args[1:])
	}
	return fmt.Errorf("unknown subcommand %q: use pack, render or check", args[0])
}

// Entry is one file of an archive.
type Entry struct {
	Name string
	Mode int64
	Data []byte
}

// Platform is one os/arch build.
type Platform struct{ OS, Arch string }

func runPack(args []string) error {
	fs := flag.NewFlagSet("pack", flag.ContinueOnError)
	version := fs.String("version", "", "version in the archive names, e.g. v0.1.0")
	epoch := fs.Int64("epoch", -1, "mtime of every entry, seconds since 1970 (the commit's time)")
	build := fs.String("build", "", "directory with one OS_ARCH/ subdirectory per platform holding the binary")
	out := fs.String("out", "", "directory for the archives and checksums.txt")
	license := fs.String("license", "LICENSE", "license file")
	readme := fs.String("readme", "README.md", "readme file")
	shim := fs.String("shim", "", "completion executable for unix")
	shimWindows := fs.String("shim-windows", "", "completion executable for windows")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *version == "" || *epoch < 0 || *build == "" || *out == "" || *shim == "" || *shimWindows == "" {
		return errors.New("pack needs -version, -epoch, -build, -out, -shim and -shim-windows")
	}
	mtime := time.Unix(*epoch, 0).UTC()
	common := map[string]string{"LICENSE": *license, "README.md": *readme}
	platforms, err := findPlatforms(*build)
	if err != nil {
		return err
	}
	sums := map[string]string{}
	for _, p := range platforms {
		name, data, err := packPlatform(p, *version, mtime, *build, common, *shim, *shimWindows)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		sums[name] = hex.EncodeToString(sum[:])
	}
	return os.WriteFile(filepath.Join(*out, "checksums.txt"), []byte(FormatChecksums(sums)), 0o644)
}

// findPlatforms lists the OS_ARCH directories of the build directory, sorted.
func findPlatforms(dir string) ([]Platform, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Platform
	for _, e := range entries {
		goos, arch, ok := strings.Cut(e.Name(), "_")
		if !e.IsDir() || !ok {
			continue
		}
		out = append(out, Platform{OS: goos, Arch: arch})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no OS_ARCH directories: build first", dir)
	}
	return out, nil
}

func packPlatform(p Platform, version string, mtime time.Time, build string, common map[string]string, shim, shimWindows string) (string, []byte, error) {
	bin, shimName, shimPath := binary, "kubectl_complete-pods_pattern", shim
	if p.OS == "windows" {
		bin, shimName, shimPath = binary+".exe", shimName+".cmd", shimWindows
	}
	files := []source{
		{bin, filepath.Join(build, p.OS+"_"+p.Arch, bin), 0o755},
		{shimName, shimPath, 0o755},
	}
	for name, path := range common {
		files = append(files, source{name, path, 0o644})
	}
	var entries []Entry
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return "", nil, err
		}
		entries = append(entries, Entry{Name: f.name, Mode: f.mode, Data: data})
	}
	name := ArchiveName(version, p)
	var data []byte
	var err error
	if p.OS == "windows" {
		data, err = Zip(entries, mtime)
	} else {
		data, err = TarGz(entries, mtime)
	}
	return name, data, err
}

// source is a file to put in an archive under a name, with a mode.
type source struct {
	name, path string
	mode       int64
}

// ArchiveName is the release asset's name; .krew.yaml spells the same.
func ArchiveName(version string, p Platform) string {
	ext := ".tar.gz"
	if p.OS == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("%s_%s_%s_%s%s", binary, version, p.OS, p.Arch, ext)
}

func sortedEntries(entries []Entry) []Entry {
	out := append([]Entry(nil), entries...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// TarGz writes a gzip'd tar with the entries sorted by name, every mtime set
// to mtime, owner 0:0 without user or group names.
func TarGz(entries []Entry, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	// The gzip header keeps no name and a zero time, so it depends on the content only.
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gz)
	for _, e := range sortedEntries(entries) {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     e.Name,
			Mode:     e.Mode,
			Size:     int64(len(e.Data)),
			ModTime:  mtime,
			Format:   tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Zip writes a zip with the entries sorted by name and every mtime set to mtime.
func Zip(entries []Entry, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, e := range sortedEntries(entries) {
		hdr := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: mtime}
		hdr.SetMode(os.FileMode(e.Mode))
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(e.Data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FormatChecksums writes sums in sha256sum's format, sorted by file name,
// so that `sha256sum -c checksums.txt` checks the archives.
func FormatChecksums(sums map[string]string) string {
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", sums[n], n)
	}
	return b.String()
}

// ParseChecksums reads sha256sum's format.
func ParseChecksums(r io.Reader) (map[string]string, error) {
	sums := map[string]string{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		sum, name, ok := strings.Cut(text, "  ")
		if !ok || !sha256Hex.MatchString(sum) {
			return nil, fmt.Errorf("line %d is not \"SHA256  NAME\": %q", line, text)
		}
		sums[strings.TrimPrefix(name, "*")] = sum
	}
	return sums, sc.Err()
}

var sha256Hex = regexp.MustCompile(`^[a-f0-9]{64}$`)

func runRender(args []string) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	tag := fs.String("tag", "", "release tag, e.g. v0.1.0")
	tmpl := fs.String("template", ".krew.yaml", "krew-release-bot template")
	checksums := fs.String("checksums", "dist/checksums.txt", "sha256sum file of the archives")
	out := fs.String("out", "", "manifest to write (default stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tag == "" {
		return errors.New("render needs -tag")
	}
	text, err := os.ReadFile(*tmpl)
	if err != nil {
		return err
	}
	f, err := os.Open(*checksums)
	if err != nil {
		return fmt.Errorf("%w (run make dist first)", err)
	}
	sums, err := ParseChecksums(f)
	_ = f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *checksums, err)
	}
	rendered, err := Render(string(text), *tag, func(asset string) (string, error) {
		sum, ok := sums[asset]
		if !ok {
			return "", fmt.Errorf("%s has no checksum for %s: is the archive name in .krew.yaml the one make dist writes?", *checksums, asset)
		}
		return sum, nil
	})
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = os.Stdout.WriteString(rendered)
		return err
	}
	return os.WriteFile(*out, []byte(rendered), 0o644)
}

// generatedHeader opens the rendered manifest.
const generatedHeader = "# Generated by `make krew-manifest` from .krew.yaml and dist/checksums.txt: do not edit.\n"

// Render fills the krew-release-bot template: {{ .TagName }}, {{ .Version }}
// (the tag's digits), and {{ addURIAndSha "URL" .TagName }} which becomes
// the uri and the sha256 of that asset, as the bot writes them (sha256 on the
// next line, four spaces in), except that the sha256 is quoted so that YAML
// cannot read a hash as a number.
func Render(text, tag string, shaOf func(asset string) (string, error)) (string, error) {
	values := templateValues{TagName: tag, Version: versionDigits(tag)}
	funcs := template.FuncMap{
		"addURIAndSha": func(url, tag string) (string, error) {
			u, err := template.New("url").Parse(url)
			if err != nil {
				return "", err
			}
			var b strings.Builder
			if err := u.Execute(&b, templateValues{TagName: tag, Version: versionDigits(tag)}); err != nil {
				return "", err
			}
			sum, err := shaOf(path.Base(b.String()))
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("uri: %s\n    sha256: %q", b.String(), sum), nil
		},
		"indent": func(spaces int, v string) string {
			pad := strings.Repeat(" ", spaces)
			v = strings.ReplaceAll(v, "    sha256:", "sha256:")
			return strings.TrimSpace(pad + strings.ReplaceAll(v, "\n", "\n"+pad))
		},
	}
	t, err := template.New(".krew.yaml").Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(generatedHeader)
	if err := t.Execute(&b, values); err != nil {
		return "", err
	}
	return b.String(), nil
}

type templateValues struct {
	TagName string
	Version string
}

var digits = regexp.MustCompile(`\d+(\.\d+)+`)

// versionDigits is what the bot offers as .Version: "v0.1.0" -> "0.1.0".
func versionDigits(tag string) string {
	if v := digits.FindString(tag); v != "" {
		return v
	}
	return tag
}

var (
	versionLine = regexp.MustCompile(`(?m)^  version: "?([^"\s]+)"?\s*$`)
	shaLine     = regexp.MustCompile(`(?m)^\s*uri: (\S+)\n\s*sha256: "?([a-f0-9]{64})"?\s*$`)
)

// runCheck proves that a committed manifest is what the template renders
// for the manifest's own version and checksums: the two cannot drift.
func runCheck(args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	tmpl := fs.String("template", ".krew.yaml", "krew-release-bot template")
	manifest := fs.String("manifest", "", "rendered manifest to check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *manifest == "" {
		return errors.New("check needs -manifest")
	}
	text, err := os.ReadFile(*tmpl)
	if err != nil {
		return err
	}
	got, err := os.ReadFile(*manifest)
	if err != nil {
		return err
	}
	want, err := Rerender(string(text), string(got))
	if err != nil {
		return fmt.Errorf("%s: %w", *manifest, err)
	}
	if want != string(got) {
		return fmt.Errorf("%s differs from %s rendered for its version: run make krew-manifest\n%s", *manifest, *tmpl, firstDifference(want, string(got)))
	}
	return nil
}

// Rerender renders the template with the version and checksums read from a
// rendered manifest.
func Rerender(text, manifest string) (string, error) {
	m := versionLine.FindStringSubmatch(manifest)
	if m == nil {
		return "", errors.New("no spec.version line")
	}
	sums := map[string]string{}
	for _, s := range shaLine.FindAllStringSubmatch(manifest, -1) {
		sums[path.Base(s[1])] = s[2]
	}
	return Render(text, m[1], func(asset string) (string, error) {
		sum, ok := sums[asset]
		if !ok {
			return "", fmt.Errorf("no uri ending in %s", asset)
		}
		return sum, nil
	})
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d: want %q, got %q", i+1, wl, gl)
		}
	}
	return ""
}
