// Command seedlab creates the seed lab's pods on the cluster hack/cluster-up.sh
// started ($PODS_PATTERN_E2E_DIR), with the statuses and logs a kubelet would
// report. hack/demo.sh runs it.
//
// Namespaces (pod nx in each): task1 nginx; task2 init-index then nginx;
// task2-broken init-index failing in CrashLoopBackOff; task3 nginx + sidecar;
// task4 the same after the 404 that the sidecar reports.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/framework"
	"github.com/pods-pattern/kubectl-pods-pattern/test/e2e/lab"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "seedlab:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := framework.Load()
	if err != nil {
		return err
	}
	now := time.Now()
	steps := []struct {
		ns   string
		what string
		seed func() error
	}{
		{"task1", "nginx", func() error { _, err := lab.SeedTask1(ctx, c, "task1", now.Add(-5*time.Minute)); return err }},
		{"task2", "init-index fills static-html, then nginx", func() error {
			_, err := lab.SeedTask2(ctx, c, "task2", now.Add(-4*time.Minute))
			return err
		}},
		{"task2-broken", "init-index cannot resolve info.cern.ch", func() error {
			_, err := lab.SeedTask2InitFailure(ctx, c, "task2-broken", now.Add(-3*time.Minute))
			return err
		}},
		{"task3", "nginx + sidecar on logs-vol", func() error {
			_, err := lab.SeedTask3(ctx, c, "task3", now.Add(-2*time.Minute))
			return err
		}},
		{"task4", "task3 after a 404", func() error { return seedTask4(ctx, c, now) }},
	}
	for _, s := range steps {
		if err := s.seed(); err != nil {
			return fmt.Errorf("namespace %s: %w", s.ns, err)
		}
		fmt.Printf("seedlab: pod nx in namespace %-13s %s\n", s.ns, s.what)
	}
	return nil
}

// seedTask4 provokes the 404 half a minute ago; the sidecar has reported it
// every 10 s since.
func seedTask4(ctx context.Context, c *framework.Cluster, now time.Time) error {
	if _, err := lab.SeedTask3(ctx, c, "task4", now.Add(-2*time.Minute)); err != nil {
		return err
	}
	res, err := lab.ProvokeTask4(ctx, c, "task4", now.Add(-30*time.Second))
	if err != nil {
		return err
	}
	var again []framework.LogLine
	for t := res.Discovered.Add(10 * time.Second); t.Before(now); t = t.Add(10 * time.Second) {
		again = append(again, framework.LogLine{Time: t, Text: lab.ErrorDiscovered})
	}
	return c.AppendLog("task4", lab.PodName, "sidecar", again...)
}
