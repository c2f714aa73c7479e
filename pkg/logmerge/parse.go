// Package logmerge merges timestamped log streams into one stream ordered by
// time. It knows nothing of the Kubernetes API: a stream is anything that can
// be opened (and reopened after a cut) as lines of the form the kubelet sends
// with timestamps=true, "<RFC3339Nano> <text>".
package logmerge

import (
	"bytes"
	"time"
)

// ParseLine splits a CRI-timestamped line "<RFC3339Nano> <text>" (without its
// newline) into the time in Unix nanoseconds, the timestamp as sent and the
// text. ok is false when the line does not start with a valid timestamp.
func ParseLine(line []byte) (nanos int64, stamp, text []byte, ok bool) {
	sp := bytes.IndexByte(line, ' ')
	stamp = line
	if sp >= 0 {
		stamp, text = line[:sp], line[sp+1:]
	}
	nanos, ok = ParseTimestamp(stamp)
	if !ok {
		return 0, nil, line, false
	}
	return nanos, stamp, text, true
}

// Timestamps are parsed by hand because time.Parse costs several times more
// and the merge parses every line; the fuzz test holds this parser to
// time.Parse(time.RFC3339Nano).
const (
	minYear = 1678 // Unix nanoseconds in an int64 cover 1678..2262
	maxYear = 2261
)

// ParseTimestamp reads an RFC 3339 timestamp with optional fractional seconds
// (up to nanoseconds) and a Z or ±hh:mm offset, as Unix nanoseconds.
func ParseTimestamp(b []byte) (int64, bool) {
	if len(b) < len("2006-01-02T15:04:05Z") {
		return 0, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	if year < minYear || year > maxYear || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	rest := b[19:]
	var frac int64
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		nd := n - 1
		if nd == 0 || nd > 9 {
			return 0, false
		}
		for i := 1; i < n; i++ {
			frac = frac*10 + int64(rest[i]-'0')
		}
		for i := nd; i < 9; i++ {
			frac *= 10
		}
		rest = rest[n:]
	}
	var offset int64
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := digits(rest[1:3])
		om, okm := digits(rest[4:6])
		if !okh || !okm || oh > 23 || om > 59 {
			return 0, false
		}
		offset = int64(oh*3600 + om*60)
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	secs := daysSinceEpoch(year, month, day)*86400 + int64(hour*3600+minute*60+sec) - offset
	// Stay inside what an int64 of nanoseconds holds (the edges of 1678 and 2262).
	const limit = (1<<63 - 1) / int64(time.Second)
	if secs <= -limit || secs >= limit {
		return 0, false
	}
	return secs*int64(time.Second) + frac, true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(month, year int) int {
	switch month {
	case 2:
		if isLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysSinceEpoch counts days from 1970-01-01 to the given civil date
// (Howard Hinnant's days_from_civil).
func daysSinceEpoch(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
