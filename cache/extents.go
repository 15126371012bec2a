// Package cache is gosmb's netfs layer between the FUSE front end and the
// protocol: the write-back buffer of each file (dirty extents, coalesced
// into large WRITEs with many in flight), the memory budget that bounds it
// (cache_size=), and readahead from the server's large READs.
//
// The design choice: reads are cached by the kernel's own page cache, which
// the FUSE front end keeps (FOPEN_KEEP_CACHE) only while a read lease covers
// it and drops on a break; writes are cached here, not in the kernel
// (no FUSE writeback_cache), because only here can a lease break or an
// fsync write them back, in order, before anything is acknowledged. The
// leases and handles themselves are the front end's (fs/).
package cache

import (
	"sort"
	"sync"
)

// Extent is a run of dirty bytes at Off.
type Extent struct {
	Off  int64
	Data []byte
}

// End is the offset just past the extent.
func (e *Extent) End() int64 { return e.Off + int64(len(e.Data)) }

// Extents is the set of dirty ranges of one file, sorted and never
// overlapping. Sequential small writes grow one extent up to Max bytes,
// then start the next, so a stream goes out as Max-sized WRITEs without
// copying or reallocating its buffers. Not safe for concurrent use.
type Extents struct {
	// Max is the largest extent a stream of appends builds (the WRITE
	// size); 0 means unlimited.
	Max int

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
	// First extent that ends at or after off: the first one p may touch.
	i := sort.Search(len(s.ext), func(i int) bool { return s.ext[i].End() >= off })
	if i < len(s.ext) && s.ext[i].Off <= off && (i+1 == len(s.ext) || s.ext[i+1].Off >= end) {
		e := &s.ext[i]
		if end <= e.End() { // overwrite inside one extent
			copy(e.Data[off-e.Off:], p)
			return 0
		}
		if s.Max == 0 || int(end-e.Off) <= s.Max {
			// Append (maybe overlapping its tail): grow in place.
			before := int64(len(e.Data))
			e.Data = s.grow(e.Data, int(end-e.Off))
			copy(e.Data[off-e.Off:], p)
			added := int64(len(e.Data)) - before
			s.bytes += added
			return added
		}
		if cut := e.Off + int64(s.Max) - off; cut > 0 && off <= e.End() {
			// Fill the extent to Max; the rest of p starts the next.
			return s.Write(off, p[:cut]) + s.Write(off+cut, p[cut:])
		}
		if off == e.End() && (i+1 == len(s.ext) || s.ext[i+1].Off > end) {
			// The extent is full: the stream goes on in a new one.
			s.ext = append(s.ext, Extent{})
			copy(s.ext[i+2:], s.ext[i+1:])
			s.ext[i+1] = Extent{Off: off, Data: s.grow(nil, len(p))}
			copy(s.ext[i+1].Data, p)
			s.bytes += int64(len(p))
			return int64(len(p))
		}
	}
	// General case: merge p with every extent it overlaps.
	j := i
	lo, hi := off, end
	var old int64
	for j < len(s.ext) && s.ext[j].Off < end {
		if s.ext[j].End() <= off { // touches only: leave it be
			i, j = i+1, j+1
			continue
		}
		if s.ext[j].Off < lo {
			lo = s.ext[j].Off
		}
		if s.ext[j].End() > hi {
			hi = s.ext[j].End()
		}
		old += int64(len(s.ext[j].Data))
		j++
	}
	merged := s.grow(nil, int(hi-lo))
	for _, e := range s.ext[i:j] {
		copy(merged[e.Off-lo:], e.Data)
	}
	copy(merged[off-lo:], p)
	s.ext = append(s.ext[:i], append([]Extent{{Off: lo, Data: merged}}, s.ext[j:]...)...)
	added := int64(len(merged)) - old
	s.bytes += added
	return added
}

// grow extends b to n bytes. Capacity doubles (so appends are amortized)
// but stops at Max, the size the extent will be written at; an extent
// that starts large is a stream and gets a whole Max buffer at once,
// recycled from earlier WRITEs.
func (s *Extents) grow(b []byte, n int) []byte {
	if n <= cap(b) {
		return b[:n]
	}
	c := 2 * cap(b)
	if c < 64<<10 {
		c = 64 << 10
	}
	if s.Max > 0 && (c > s.Max || n >= 128<<10) {
		c = s.Max
	}
	if c < n {
		c = n
	}
	var nb []byte
	if c == s.Max {
		nb = getBuf(c)[:n]
	} else {
		nb = make([]byte, n, c)
	}
	copy(nb, b)
	return nb
}

// Buffers of a stream's extent size are recycled: allocating and zeroing
// them per WRITE costs more CPU than the copy into them.
var bufPools sync.Map // size -> *sync.Pool

func getBuf(size int) []byte {
	if p, ok := bufPools.Load(size); ok {
		if b, ok := p.(*sync.Pool).Get().(*[]byte); ok {
			return *b
		}
	}
	return make([]byte, size)
}

// PutBuf returns a buffer of a written extent for reuse; only full-size
// buffers of a stream are kept.
func PutBuf(b []byte) {
	if cap(b) < 1<<20 {
		return
	}
	b = b[:cap(b)]
	p, _ := bufPools.LoadOrStore(cap(b), &sync.Pool{})
	p.(*sync.Pool).Put(&b)
}

// Overlaps reports whether any dirty byte lies in [off, off+n).
func (s *Extents) Overlaps(off, n int64) bool {
	i := sort.Search(len(s.ext), func(i int) bool { return s.ext[i].End() > off })
	return i < len(s.ext) && s.ext[i].Off < off+n
}

// TakeFull removes and returns the extents of at least min bytes (a
// stream's full ones), leaving the rest buffered for more writes to join.
// It returns the bytes taken.
func (s *Extents) TakeFull(min int) ([]Extent, int64) {
	var out []Extent
	var n int64
	keep := s.ext[:0]
	for _, e := range s.ext {
		if len(e.Data) < min {
			keep = append(keep, e)
			continue
		}
		out = append(out, e)
		n += int64(len(e.Data))
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
