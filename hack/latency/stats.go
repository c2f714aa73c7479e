package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// ClientOutput is what one client printed.
type ClientOutput struct {
	Arrivals []Arrival
	// Other counts lines that are not the bench's (headers, notes).
	Other int
	// Bad is the first bench line that could not be read: a mangled line.
	Bad error
}

// Result is one client's figures for one phase.
type Result struct {
	Phase string
	Row   Row
	Lines int
	P50   time.Duration
	P99   time.Duration
	Max   time.Duration
	// OutOfOrder counts lines printed after a line written later.
	OutOfOrder int
	Other      int
	// CPU is the client's user+system time over the whole run.
	CPU time.Duration
}

// Check verifies that the client printed every written line exactly once and
// nothing else of the bench's, then gives its latencies per measured phase.
func Check(row Row, written []Key, out ClientOutput) ([]Result, error) {
	if out.Bad != nil {
		return nil, fmt.Errorf("%s: %w", row.Tool, out.Bad)
	}
	want := make(map[Key]bool, len(written))
	for _, k := range written {
		want[k] = true
	}
	got := make(map[Key]int, len(out.Arrivals))
	var problems []string
	for _, a := range out.Arrivals {
		got[a.Probe.Key]++
		if !want[a.Probe.Key] {
			problems = append(problems, fmt.Sprintf("printed %v, which was never written", a.Probe.Key))
		}
	}
	missing, twice := 0, 0
	var firstMissing Key
	for _, k := range written {
		switch n := got[k]; {
		case n == 0:
			if missing == 0 {
				firstMissing = k
			}
			missing++
		case n > 1:
			twice++
		}
	}
	if missing > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d lines never printed (first: %v)", missing, len(written), firstMissing))
	}
	if twice > 0 {
		problems = append(problems, fmt.Sprintf("%d lines printed more than once", twice))
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], "...")
		}
		return nil, fmt.Errorf("%s: %s", row.Tool, strings.Join(problems, "; "))
	}

	var results []Result
	for _, phase := range []string{PhaseSteady, PhaseQuiet} {
		var lat []time.Duration
		ooo := 0
		var latest time.Time
		for _, a := range out.Arrivals {
			// Order is judged over every line, warm-up included.
			if a.Probe.Written.Before(latest) && a.Probe.Key.Phase == phase {
				ooo++
			}
			if a.Probe.Written.After(latest) {
				latest = a.Probe.Written
			}
			if a.Probe.Key.Phase == phase {
				lat = append(lat, a.At.Sub(a.Probe.Written))
			}
		}
		if len(lat) == 0 {
			continue
		}
		slices.Sort(lat)
		results = append(results, Result{Phase: phase, Row: row, Lines: len(lat),
			P50: Percentile(lat, 50), P99: Percentile(lat, 99), Max: lat[len(lat)-1],
			OutOfOrder: ooo, Other: out.Other})
	}
	return results, nil
}

// Percentile is the nearest-rank p-th percentile of sorted: the least value
// that at least p% of the values do not exceed.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// CheckBounds fails for every row whose p99 exceeds its bound. Where the
// rows without a bound (kubectl, stern) also had a slow tail in that phase,
// the error says so: on a busy machine every client stalls.
func CheckBounds(results []Result) error {
	var errs []error
	for _, r := range results {
		if r.Row.Bound == 0 || r.P99 <= r.Row.Bound {
			continue
		}
		msg := fmt.Sprintf("%s, %s phase: p99 %s exceeds --max-delay plus %v (%s)",
			r.Row.Tool, r.Phase, ms(r.P99), Slack, ms(r.Row.Bound))
		if peer, tail := slowestPeer(results, r.Phase); tail > Slack {
			msg += fmt.Sprintf("; %s's own p99 was %s above its p50 in that phase: the machine stalled, measure again when it is quieter",
				peer, ms(tail))
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// slowestPeer is the row without a bound whose p99 was furthest above its p50.
func slowestPeer(results []Result, phase string) (string, time.Duration) {
	name, tail := "", time.Duration(0)
	for _, r := range results {
		if r.Phase == phase && r.Row.Bound == 0 && r.P99-r.P50 > tail {
			name, tail = r.Row.Tool, r.P99-r.P50
		}
	}
	return name, tail
}

// WriteTable prints the results as a Markdown table, phase by phase.
func WriteTable(w io.Writer, results []Result) {
	fmt.Fprintln(w, "| phase | tool | lines | p50 (ms) | p99 (ms) | max (ms) | p99 bound (ms) | out of order | client CPU (s) |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, phase := range []string{PhaseSteady, PhaseQuiet} {
		for _, r := range results {
			if r.Phase != phase {
				continue
			}
			bound := "-"
			if r.Row.Bound > 0 {
				bound = ms(r.Row.Bound)
				if r.P99 > r.Row.Bound {
					bound += " EXCEEDED"
				}
			}
			fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %d | %.2f |\n",
				r.Phase, r.Row.Tool, r.Lines, ms(r.P50), ms(r.P99), ms(r.Max), bound, r.OutOfOrder, r.CPU.Seconds())
		}
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond))
}
