package logmerge

import "hash/maphash"

// dedupe drops the lines a reopened stream repeats. The stream is reopened
// with sinceTime = the time of the last line read, and the API rounds that
// down to the second, so the new stream starts with lines already delivered:
// those before the last time, and those at the last time whose text was
// seen. Lines at one instant are few, and only their hashes are kept.
type dedupe struct {
	seed   maphash.Seed
	seeded bool
	// hashes of the lines delivered at time at (the latest time seen).
	at     int64
	hashes []uint64
	// After a reopen, until a line later than at passes: the delivered lines
	// at at that have not come again yet.
	active  bool
	pending []uint64
}

// arm starts dropping repeats, after a reopen.
func (d *dedupe) arm() {
	if d.seeded {
		d.pending = append(d.pending[:0], d.hashes...)
		d.active = true
	}
}

// keep tells whether a line is new, and remembers it.
func (d *dedupe) keep(t int64, text []byte) bool {
	if !d.seeded {
		d.seed, d.seeded = maphash.MakeSeed(), true
	}
	h := maphash.Bytes(d.seed, text)
	if d.active {
		switch {
		case t < d.at:
			return false
		case t == d.at:
			for i, seen := range d.pending {
				if seen == h {
					// Each delivered copy cancels one repeat: two equal lines at one instant stay two.
					d.pending = append(d.pending[:i], d.pending[i+1:]...)
					return false
				}
			}
		default:
			d.active = false
		}
	}
	if t != d.at {
		d.at = t
		d.hashes = d.hashes[:0]
	}
	if len(d.hashes) < maxDedupeLines {
		d.hashes = append(d.hashes, h)
	}
	return true
}
