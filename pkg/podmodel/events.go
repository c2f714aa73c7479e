package podmodel

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// EventContainer is the container an event is about, read from its
// involvedObject.fieldPath ("spec.initContainers{migrate}" is "migrate");
// empty for an event about the whole pod.
func EventContainer(e *corev1.Event) string {
	p := e.InvolvedObject.FieldPath
	open, end := strings.Index(p, "{"), strings.LastIndex(p, "}")
	if open < 0 || end <= open {
		return ""
	}
	return p[open+1 : end]
}

// EventTimes are the first and the last time an event was seen. Core/v1
// events from the kubelet carry first/lastTimestamp; those written through
// events.k8s.io/v1 carry eventTime and, when repeated, a series. Zero when
// the event has no time at all.
func EventTimes(e *corev1.Event) (first, last time.Time) {
	first, last = e.FirstTimestamp.Time, e.LastTimestamp.Time
	if first.IsZero() {
		first = e.EventTime.Time
	}
	if e.Series != nil && e.Series.LastObservedTime.Time.After(last) {
		last = e.Series.LastObservedTime.Time
	}
	if last.IsZero() {
		last = first
	}
	if first.IsZero() {
		first = last
	}
	return first.UTC(), last.UTC()
}

// EventCount is how many times the event happened: count, or the series'
// count, at least 1.
func EventCount(e *corev1.Event) int {
	n := int(e.Count)
	if e.Series != nil && int(e.Series.Count) > n {
		n = int(e.Series.Count)
	}
	return max(n, 1)
}
