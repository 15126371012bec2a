// Package cache is gosmb's netfs layer between the FUSE front end and the
// protocol: the write-back buffer of each file (dirty extents, coalesced
// into large WRITEs with many in flight), the memory budget that bounds
// it (cache_size=), and the timer wheel of deferred closes (closetimeo=).
//
// Reads are cached by the kernel's own page cache, which the FUSE front end
// keeps (FOPEN_KEEP_CACHE) only while a read lease covers it and drops on
// a break; writes are cached here, where a lease break or fsync can write
// them back before anything is acknowledged. See DESIGN.md.
package cache

import "sort"

// Extent is a run of dirty bytes at Off.
type Extent struct {
	Off  int64
	Data []byte
}

// End is the offset just past the extent.
func (e *Extent) End() int64 { return e.Off + int64(len(e.Data)) }

// Extents is the set of dirty ranges of one file: sorted, with no two
// overlapping or touching, so that sequential small writes grow one extent
// that goes out as few large WRITEs. Not safe for concurrent use.
type Extents struct {
	ext   []Extent
	bytes int64
}

// Len is the number of dirty bytes held.
func (s *Extents) Len() int64 { return s.bytes }

// Empty reports no dirty bytes.
func (s *Extents) Empty() bool { return len(s.ext) == 0 }

// End is the offset past the last dirty byte (0 when empty): the file's
// size as far as its unwritten data goes.
func (s *Extents) End() int64 {
	if len(s.ext) == 0 {
		return 0
	}
	return s.ext[len(s.ext)-1].End()
}

// Write records p at off (copying it) and returns how many bytes the set
// grew by, which is less than len(p) where p overwrites dirty bytes.
func (s *Extents) Write(off int64, p []byte) int64 {
	if len(p) == 0 {
		return 0
	}
	end := off + int64(len(p))
	// First extent that ends at or after off: the first one p touches.
	i := sort.Search(len(s.ext), func(i int) bool { return s.ext[i].End() >= off })
	// Fast path: appending to (or overwriting inside) one extent.
	if i < len(s.ext) && s.ext[i].Off <= off && (i+1 == len(s.ext) || s.ext[i+1].Off > end) {
		e := &s.ext[i]
		before := int64(len(e.Data))
		if end > e.End() {
			e.Data = grow(e.Data, int(end-e.Off))
		}
		copy(e.Data[off-e.Off:], p)
		added := int64(len(e.Data)) - before
		s.bytes += added
		return added
	}
	// General case: merge p with every extent it overlaps or touches.
	j := i
	lo, hi := off, end
	var old int64
	for j < len(s.ext) && s.ext[j].Off <= end {
		if s.ext[j].Off < lo {
			lo = s.ext[j].Off
		}
		if s.ext[j].End() > hi {
			hi = s.ext[j].End()
		}
		old += int64(len(s.ext[j].Data))
		j++
	}
	merged := make([]byte, hi-lo)
	for _, e := range s.ext[i:j] {
		copy(merged[e.Off-lo:], e.Data)
	}
	copy(merged[off-lo:], p)
	s.ext = append(s.ext[:i], append([]Extent{{Off: lo, Data: merged}}, s.ext[j:]...)...)
	added := int64(len(merged)) - old
	s.bytes += added
	return added
}

// grow extends b to n bytes, doubling capacity so appends are amortized.
func grow(b []byte, n int) []byte {
	if n <= cap(b) {
		return b[:n]
	}
	c := 2 * cap(b)
	if c < n {
		c = n
	}
	nb := make([]byte, n, c)
	copy(nb, b)
	return nb
}

// Overlaps reports whether any dirty byte lies in [off, off+n).
func (s *Extents) Overlaps(off, n int64) bool {
	i := sort.Search(len(s.ext), func(i int) bool { return s.ext[i].End() > off })
	return i < len(s.ext) && s.ext[i].Off < off+n
}

// TakeFull removes and returns the extents of at least min bytes, and cuts
// the whole chunks off the front of longer ones, leaving short tails
// buffered for more writes to join. It returns the bytes taken.
func (s *Extents) TakeFull(min int) ([]Extent, int64) {
	var out []Extent
	var n int64
	keep := s.ext[:0]
	for _, e := range s.ext {
		if len(e.Data) < min {
			keep = append(keep, e)
			continue
		}
		whole := len(e.Data) / min * min
		out = append(out, Extent{Off: e.Off, Data: e.Data[:whole]})
		n += int64(whole)
		if whole < len(e.Data) {
			tail := append([]byte(nil), e.Data[whole:]...)
			keep = append(keep, Extent{Off: e.Off + int64(whole), Data: tail})
		}
	}
	s.ext = keep
	s.bytes -= n
	return out, n
}

// TakeAll removes and returns every extent.
func (s *Extents) TakeAll() ([]Extent, int64) {
	out, n := s.ext, s.bytes
	s.ext, s.bytes = nil, 0
	return out, n
}

// Truncate drops dirty bytes at and past size and returns how many.
func (s *Extents) Truncate(size int64) int64 {
	var dropped int64
	keep := s.ext[:0]
	for _, e := range s.ext {
		switch {
		case e.End() <= size:
			keep = append(keep, e)
		case e.Off < size:
			dropped += e.End() - size
			e.Data = e.Data[:size-e.Off]
			keep = append(keep, e)
		default:
			dropped += int64(len(e.Data))
		}
	}
	s.ext = keep
	s.bytes -= dropped
	return dropped
}
