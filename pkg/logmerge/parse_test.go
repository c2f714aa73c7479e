package logmerge

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLine(t *testing.T) {
	cases := []struct {
		in    string
		ok    bool
		time  string
		stamp string
		text  string
	}{
		{in: "2026-11-26T03:30:36.123456789Z hello world", ok: true, time: "2026-11-26T03:30:36.123456789Z", stamp: "2026-11-26T03:30:36.123456789Z", text: "hello world"},
		{in: "2026-11-26T03:30:36Z x", ok: true, time: "2026-11-26T03:30:36Z", stamp: "2026-11-26T03:30:36Z", text: "x"},
		{in: "2026-11-26T03:30:36.5+02:00 offset", ok: true, time: "2026-11-26T01:30:36.5Z", stamp: "2026-11-26T03:30:36.5+02:00", text: "offset"},
		{in: "2026-11-26T03:30:36.5-01:30 offset", ok: true, time: "2026-11-26T05:00:36.5Z", stamp: "2026-11-26T03:30:36.5-01:30", text: "offset"},
		{in: "2026-11-26T03:30:36Z ", ok: true, time: "2026-11-26T03:30:36Z", stamp: "2026-11-26T03:30:36Z", text: ""},
		{in: "2026-11-26T03:30:36Z", ok: true, time: "2026-11-26T03:30:36Z", stamp: "2026-11-26T03:30:36Z", text: ""},
		{in: "2026-11-26T03:30:36Z  two spaces", ok: true, time: "2026-11-26T03:30:36Z", stamp: "2026-11-26T03:30:36Z", text: " two spaces"},
		{in: "2024-02-29T23:59:59.999999999Z leap day", ok: true, time: "2024-02-29T23:59:59.999999999Z", stamp: "2024-02-29T23:59:59.999999999Z", text: "leap day"},
		{in: "1970-01-01T00:00:00Z epoch", ok: true, time: "1970-01-01T00:00:00Z", stamp: "1970-01-01T00:00:00Z", text: "epoch"},
		{in: "1969-12-31T23:59:59.5Z before", ok: true, time: "1969-12-31T23:59:59.5Z", stamp: "1969-12-31T23:59:59.5Z", text: "before"},
		{in: "no timestamp here", text: "no timestamp here"},
		{in: "", text: ""},
		{in: "2023-02-29T00:00:00Z not a leap year", text: "2023-02-29T00:00:00Z not a leap year"},
		{in: "2026-11-26T24:00:00Z hour", text: "2026-11-26T24:00:00Z hour"},
		{in: "2026-11-26T03:30:36.Z empty fraction", text: "2026-11-26T03:30:36.Z empty fraction"},
		{in: "2026-11-26T03:30:36.1234567891Z ten digits", text: "2026-11-26T03:30:36.1234567891Z ten digits"},
		{in: "2026-11-26 03:30:36Z space", text: "2026-11-26 03:30:36Z space"},
		{in: "2026-11-26T03:30:36 no zone", text: "2026-11-26T03:30:36 no zone"},
		{in: "2026-11-26T03:30:3", text: "2026-11-26T03:30:3"},
		{in: "9999-11-26T03:30:36Z far", text: "9999-11-26T03:30:36Z far"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			nanos, stamp, text, ok := ParseLine([]byte(c.in))
			require.Equal(t, c.ok, ok)
			assert.Equal(t, c.text, string(text))
			if !c.ok {
				return
			}
			want, err := time.Parse(time.RFC3339Nano, c.time)
			require.NoError(t, err)
			assert.Equal(t, want.UnixNano(), nanos)
			assert.Equal(t, c.stamp, string(stamp))
		})
	}
}

// FuzzParseTimestamp holds the hand-written parser to time.Parse: whatever it
// accepts, time.Parse accepts with the same instant.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{
		"2026-11-26T03:30:36.123456789Z", "2026-11-26T03:30:36Z", "2026-11-26T03:30:36.5+02:00",
		"1678-01-01T00:00:00Z", "2262-04-11T23:47:16.854775807Z", "2000-02-29T12:00:00-23:59",
		"2026-13-01T00:00:00Z", "2026-11-26T03:30:36.Z", "0000-00-00T00:00:00Z",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		nanos, ok := ParseTimestamp(b)
		if !ok {
			return
		}
		want, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			t.Fatalf("accepted %q that time.Parse rejects: %v", b, err)
		}
		if want.UnixNano() != nanos {
			t.Fatalf("%q: got %d, time.Parse says %d", b, nanos, want.UnixNano())
		}
	})
}

// FuzzParseLineRoundTrip formats an instant the way the kubelet does (and
// with offsets) and expects it back, with the text intact.
func FuzzParseLineRoundTrip(f *testing.F) {
	f.Add(int64(1795663836), int64(123456789), int16(0), "hello")
	f.Add(int64(0), int64(0), int16(120), "")
	f.Add(int64(-5000000000), int64(1), int16(-90), "2026-11-26T03:30:36Z nested")
	f.Fuzz(func(t *testing.T, sec, nsec int64, offMin int16, text string) {
		// Stay inside the years an int64 of nanoseconds covers.
		sec %= 9_000_000_000
		nsec %= 1_000_000_000
		if nsec < 0 {
			nsec = -nsec
		}
		zone := time.FixedZone("", (int(offMin)%(24*60))*60)
		in := time.Unix(sec, nsec).In(zone)
		line := in.Format(time.RFC3339Nano) + " " + text
		nanos, _, got, ok := ParseLine([]byte(line))
		if !ok {
			t.Fatalf("rejected %q", line)
		}
		if nanos != in.UnixNano() {
			t.Fatalf("%q: got %d, want %d", line, nanos, in.UnixNano())
		}
		if string(got) != text {
			t.Fatalf("%q: text %q, want %q", line, got, text)
		}
	})
}
