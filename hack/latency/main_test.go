package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentileIsNearestRank(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{ms(), 50, 0},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{ms(hundred...), 99, 99 * time.Millisecond},
		{ms(hundred...), 100, 100 * time.Millisecond},
		{ms(1, 2, 3), 0, 1 * time.Millisecond},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Percentile(c.sorted, c.p), "p%v of %v", c.p, c.sorted)
	}
}

func TestParseProbeAfterEachToolsPrefix(t *testing.T) {
	written := time.Unix(1764362713, 123456789)
	text := Text(Key{Phase: PhaseQuiet, Container: 1, Seq: 42}, written)
	for _, line := range []string{
		"[c01] " + text + "\n",                   // pods-pattern
		"[pod/bench-latency/c01] " + text + "\n", // kubectl --prefix
		"bench-latency c01 " + text + "\n",       // stern
		"\x1b[32m[c01]\x1b[0m " + text + "\r\n",  // colour, CRLF
	} {
		p, ok, err := ParseProbe(line)
		require.NoError(t, err, line)
		require.True(t, ok, line)
		assert.Equal(t, Key{Phase: PhaseQuiet, Container: 1, Seq: 42}, p.Key)
		assert.True(t, written.Equal(p.Written), "written %v, parsed %v", written, p.Written)
	}

	_, ok, err := ParseProbe("+ bench-latency › c01\n")
	assert.NoError(t, err)
	assert.False(t, ok, "a line of another kind is not a probe")

	for _, mangled := range []string{
		"[c01] latency phase=steady c=1 n=000042\n",
		"[c01] latency phase=steady c=x n=000042 t=5 lorem\n",
		"[c01] latency phase=steady c=1 n=000042 t=17647abc lorem\n",
		"[c01] latency phase= c=1 n=000042 t=5 lorem\n",
	} {
		_, ok, err := ParseProbe(mangled)
		assert.True(t, ok, mangled)
		assert.Error(t, err, "a cut or mangled bench line is an error: %q", mangled)
	}
}

func TestScheduleStaggersContainersAndSilencesTheLast(t *testing.T) {
	plan := Schedule(20, time.Second, 500*time.Millisecond)
	counts := map[string]map[int]int{}
	var last time.Duration
	seen := map[time.Duration]bool{}
	for _, w := range plan {
		if counts[w.Key.Phase] == nil {
			counts[w.Key.Phase] = map[int]int{}
		}
		counts[w.Key.Phase][w.Key.Container]++
		assert.GreaterOrEqual(t, w.Offset, last, "writes are in time order")
		assert.False(t, seen[w.Offset], "two lines at %v", w.Offset)
		seen[w.Offset] = true
		last = w.Offset
	}
	assert.Equal(t, map[int]int{0: 20, 1: 20, 2: 20}, counts[PhaseSteady])
	assert.Equal(t, map[int]int{0: 10, 1: 10}, counts[PhaseQuiet], "the third container is silent")
	assert.Equal(t, 50*time.Millisecond/3, plan[1].Offset, "containers staggered over the period")
	assert.Equal(t, time.Second, plan[60].Offset, "the quiet phase follows the steady one")

	assert.Len(t, Schedule(10, time.Second, 0), 30, "no quiet phase")
}

// arrivals makes a client's output: every key printed once, latency lat.
func arrivals(keys []Key, lat func(i int) time.Duration) []Arrival {
	base := time.Unix(1764362713, 0)
	out := make([]Arrival, len(keys))
	for i, k := range keys {
		written := base.Add(time.Duration(i) * 10 * time.Millisecond)
		out[i] = Arrival{Probe: Probe{Key: k, Written: written}, At: written.Add(lat(i))}
	}
	return out
}

func keys(phase string, n int) []Key {
	ks := make([]Key, n)
	for i := range ks {
		ks[i] = Key{Phase: phase, Container: i % 3, Seq: i / 3}
	}
	return ks
}

func TestCheckMeasuresPhasesAndRequiresEveryLineOnce(t *testing.T) {
	written := append(append(keys(PhaseWarmup, 3), keys(PhaseSteady, 100)...), keys(PhaseQuiet, 10)...)
	row := Row{Tool: "tool", Bound: 300 * time.Millisecond}
	out := ClientOutput{Arrivals: arrivals(written, func(i int) time.Duration {
		if i < 3 {
			return time.Hour // warm-up lines are not measured
		}
		return time.Duration(i) * time.Millisecond
	}), Other: 2}

	results, err := Check(row, written, out)
	require.NoError(t, err)
	require.Len(t, results, 2)
	steady, quiet := results[0], results[1]
	assert.Equal(t, PhaseSteady, steady.Phase)
	assert.Equal(t, 100, steady.Lines)
	assert.Equal(t, 52*time.Millisecond, steady.P50) // the 50th of 3..102 ms
	assert.Equal(t, 101*time.Millisecond, steady.P99)
	assert.Equal(t, 102*time.Millisecond, steady.Max)
	assert.Zero(t, steady.OutOfOrder)
	assert.Equal(t, PhaseQuiet, quiet.Phase)
	assert.Equal(t, 10, quiet.Lines)
	assert.Equal(t, 112*time.Millisecond, quiet.Max)

	missing := ClientOutput{Arrivals: out.Arrivals[:len(out.Arrivals)-1]}
	_, err = Check(row, written, missing)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 of 113 lines never printed")

	twice := ClientOutput{Arrivals: append(append([]Arrival(nil), out.Arrivals...), out.Arrivals[50])}
	_, err = Check(row, written, twice)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 lines printed more than once")

	stranger := append(append([]Arrival(nil), out.Arrivals...), Arrival{Probe: Probe{Key: Key{Phase: PhaseSteady, Container: 2, Seq: 999}}})
	_, err = Check(row, written, ClientOutput{Arrivals: stranger})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "never written")

	_, err = Check(row, written, ClientOutput{Arrivals: out.Arrivals, Bad: assert.AnError})
	assert.ErrorIs(t, err, assert.AnError)
}

func TestCheckCountsLinesOutOfOrder(t *testing.T) {
	written := keys(PhaseSteady, 4)
	out := arrivals(written, func(int) time.Duration { return time.Millisecond })
	out[1], out[2] = out[2], out[1] // printed the third before the second
	results, err := Check(Row{Tool: "t"}, written, ClientOutput{Arrivals: out})
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.Equal(t, 1, results[0].OutOfOrder)
}

func TestCheckBoundsFailsThePluginPastMaxDelayPlusSlack(t *testing.T) {
	plugin := Row{Tool: "pods-pattern logs -f", Bound: 250*time.Millisecond + Slack}
	peer := Row{Tool: "kubectl logs -f"}
	ok := []Result{
		{Phase: PhaseQuiet, Row: plugin, P99: 300 * time.Millisecond},
		{Phase: PhaseQuiet, Row: peer, P99: 5 * time.Second}, // peers have no bound
	}
	assert.NoError(t, CheckBounds(ok))

	over := []Result{{Phase: PhaseQuiet, Row: plugin, P99: 301 * time.Millisecond}}
	err := CheckBounds(over)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pods-pattern logs -f, quiet phase: p99 301.0 exceeds --max-delay plus 50ms (300.0)")

	assert.NotContains(t, err.Error(), "stalled", "the peers were quick")

	busy := append(over, Result{Phase: PhaseQuiet, Row: peer, P50: 4 * time.Millisecond, P99: 104 * time.Millisecond},
		Result{Phase: PhaseSteady, Row: peer, P50: 4 * time.Millisecond, P99: 900 * time.Millisecond})
	err = CheckBounds(busy)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kubectl logs -f's own p99 was 100.0 above its p50 in that phase: the machine stalled")

	var b bytes.Buffer
	WriteTable(&b, over)
	assert.Contains(t, b.String(), "| quiet | pods-pattern logs -f | 0 | 0.0 | 301.0 | 0.0 | 300.0 EXCEEDED |")
	assert.True(t, strings.HasPrefix(b.String(), "| phase | tool |"))
}
