package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// hostile is a pod whose every free-text field carries terminal control
// sequences: a clear screen, an OSC title change, a C1 CSI, a bell and a
// carriage return that would overwrite the line. None may reach a terminal.
const hostile = `apiVersion: v1
kind: Pod
metadata:
  name: hostile
  namespace: default
  annotations:
    note: "\u001b]0;pwned\u0007"
spec:
  initContainers:
  - name: "init\u001b[2J"
    image: "busybox\u009b31m"
    restartPolicy: Always
  - name: fetch
    image: "fetch\rOK"
  containers:
  - name: app
    image: "app\u001b[31m"
    ports: [{name: "http\u001b[5m", containerPort: 80}]
  - name: exporter
    image: exporter
status:
  phase: Pending
  reason: "Evicted\u001b[2K"
  message: "node\u001b]8;;http://x\u0007link"
  conditions:
  - type: PodScheduled
    status: "True"
  initContainerStatuses:
  - name: "init\u001b[2J"
    ready: false
    restartCount: 3
    started: false
    state: {waiting: {reason: "CrashLoopBackOff\u001b[1A", message: "back-off\u001b[2J\rrestarting"}}
    lastState: {terminated: {exitCode: 1, reason: "Error\u0007", message: "boom\u001b[31m"}}
  - name: fetch
    ready: false
    restartCount: 0
    state: {waiting: {reason: PodInitializing}}
  containerStatuses:
  - name: app
    ready: false
    restartCount: 0
    state: {waiting: {reason: PodInitializing}}
  - name: exporter
    ready: false
    restartCount: 0
    state: {waiting: {reason: PodInitializing}}
`

// hostileRules carries a control sequence in a rule's label, which is
// printed as evidence.
const hostileRules = `rules:
- label: "exp\u001b[2Jorter"
  role: adapter
  names: ["^exporter$"]
`

func TestNoControlSequenceReachesTheTerminal(t *testing.T) {
	dir := t.TempDir()
	pod, rules := filepath.Join(dir, "pod.yaml"), filepath.Join(dir, "rules.yaml")
	require.NoError(t, os.WriteFile(pod, []byte(hostile), 0o644))
	require.NoError(t, os.WriteFile(rules, []byte(hostileRules), 0o644))
	for _, args := range [][]string{
		{"describe", "-f", pod, "--rules", rules},
		{"describe", "-f", pod, "--rules", rules, "-o", "yaml"},
		{"describe", "-f", pod, "--rules", rules, "-o", "json"},
		{"init", "-f", pod, "--rules", rules},
		{"init", "-f", pod, "--rules", rules, "--timeline"},
		{"init", "-f", pod, "--rules", rules, "-o", "yaml"},
		{"summary", "-f", pod, "--rules", rules, "-o", "wide"},
		{"summary", "-f", pod, "--rules", rules, "--by", "workload"},
		{"summary", "-f", pod, "--rules", rules, "-o", "json"},
		{"doctor", "-f", pod, "--rules", rules, "--fail-on", "none"},
		{"doctor", "-f", pod, "--rules", rules, "--fail-on", "none", "-o", "yaml"},
	} {
		t.Run(strings.Join(append([]string{args[0]}, args[4:]...), " "), func(t *testing.T) {
			streams, _, out, errOut := genericiooptions.NewTestIOStreams()
			root := NewRootCmd(streams)
			root.SetArgs(append(args, "--color", "never"))
			require.NoError(t, root.ExecuteContext(context.Background()), errOut.String())
			require.NotEmpty(t, out.String())
			assertNoControl(t, out.Bytes())
			assertNoControl(t, errOut.Bytes())
			if args[len(args)-2] != "-o" {
				// The escaped forms are shown, so a user sees what was there.
				assert.True(t, strings.Contains(out.String(), `\x1b`) || strings.Contains(out.String(), "^["), out.String())
			}
		})
	}
}

func assertNoControl(t *testing.T, b []byte) {
	t.Helper()
	for i, r := range string(b) {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) {
			t.Fatalf("control character %U at byte %d: %q", r, i, b[max(0, i-30):min(len(b), i+30)])
		}
	}
}
