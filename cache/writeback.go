package cache

import (
	"context"
	"sync"
	"time"
)

// Budget bounds the dirty bytes of a mount (cache_size=). Writers wait for
// room; a single write larger than the whole budget is let through alone so
// nothing deadlocks.
type Budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	max  int64
	used int64
	peak int64
}

// NewBudget returns a budget of max bytes.
func NewBudget(max int64) *Budget {
	b := &Budget{max: max}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// Acquire waits until n more bytes fit, or until d passes; it reports
// whether it got them. (The bytes held may belong to files whose partial
// buffers nothing is flushing: the caller then writes through.)
func (b *Budget) Acquire(n int64, d time.Duration) bool {
	deadline := time.Now().Add(d)
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used > 0 && b.used+n > b.max {
		if !time.Now().Before(deadline) {
			return false
		}
		t := time.AfterFunc(time.Until(deadline), b.cond.Broadcast)
		b.cond.Wait()
		t.Stop()
	}
	b.used += n
	if b.used > b.peak {
		b.peak = b.used
	}
	return true
}

// Release returns n bytes.
func (b *Budget) Release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// Used and Peak report the bytes held now and at most.
func (b *Budget) Used() int64 { b.mu.Lock(); defer b.mu.Unlock(); return b.used }
func (b *Budget) Peak() int64 { b.mu.Lock(); defer b.mu.Unlock(); return b.peak }

// ResetPeak starts the peak again from what is held now.
func (b *Budget) ResetPeak() { b.mu.Lock(); b.peak = b.used; b.mu.Unlock() }

// budgetWait is how long a write waits for room in the budget before it
// is written through instead.
const budgetWait = 200 * time.Millisecond

// WriteFunc sends one WRITE of data at off to the server.
type WriteFunc func(ctx context.Context, off int64, data []byte) error

// Writer is one file's write-back buffer. Write copies data into dirty
// extents and returns; whole chunks go to the server in the background,
// up to depth WRITEs at once; Flush sends the rest and waits. The first
// failed WRITE is kept and returned by the next Write or Flush, as a
// local file system reports a lost write at fsync or close.
type Writer struct {
	budget *Budget
	chunk  int
	depth  int

	mu       sync.Mutex
	cond     *sync.Cond
	dirty    Extents
	inflight int    // WRITEs on the wire
	pending  int64  // bytes taken from dirty and not yet written
	spans    []span // ranges taken from dirty and not yet written, in order taken
	seq      uint64
	sizeHint int64 // end of the furthest byte written through this Writer
	err      error
	send     WriteFunc
}

// span is a range taken from the dirty buffer for one WRITE. Bytes taken
// later are newer: a WRITE waits for every earlier span it overlaps to be
// written, as the server may apply concurrent WRITEs in any order (Samba
// hands them to a thread pool).
type span struct {
	off, end int64
	seq      uint64
}

// takeSpan records [off, off+n) as taken, under w.mu.
func (w *Writer) takeSpan(off int64, n int) span {
	w.seq++
	sp := span{off, off + int64(n), w.seq}
	w.spans = append(w.spans, sp)
	return sp
}

// waitsFor reports an earlier span overlapping sp not yet written.
func (w *Writer) waitsFor(sp span) bool {
	for _, o := range w.spans {
		if o.seq < sp.seq && o.off < sp.end && sp.off < o.end {
			return true
		}
	}
	return false
}

// doneSpan forgets a written span, under w.mu.
func (w *Writer) doneSpan(sp span) {
	for i, o := range w.spans {
		if o.seq == sp.seq {
			w.spans = append(w.spans[:i], w.spans[i+1:]...)
			return
		}
	}
}

// NewWriter returns a writer that sends chunk-sized WRITEs, depth at once,
// charging dirty bytes to budget.
func NewWriter(budget *Budget, chunk, depth int) *Writer {
	w := &Writer{budget: budget, chunk: chunk, depth: depth}
	w.dirty.Max = chunk
	w.cond = sync.NewCond(&w.mu)
	return w
}

// Write buffers p at off; send is how it will reach the server (the handle
// it was written through).
func (w *Writer) Write(off int64, p []byte, send WriteFunc) error {
	if !w.budget.Acquire(int64(len(p)), budgetWait) {
		// Full of other files' partial buffers: send ours and write
		// this through, in order.
		if err := w.Flush(); err != nil {
			return err
		}
		if err := send(context.Background(), off, p); err != nil {
			return err
		}
		w.mu.Lock()
		if end := off + int64(len(p)); end > w.sizeHint {
			w.sizeHint = end
		}
		w.mu.Unlock()
		return nil
	}
	w.mu.Lock()
	if err := w.err; err != nil {
		w.err = nil
		w.mu.Unlock()
		w.budget.Release(int64(len(p)))
		return err
	}
	w.send = send
	added := w.dirty.Write(off, p)
	if end := off + int64(len(p)); end > w.sizeHint {
		w.sizeHint = end
	}
	w.mu.Unlock()
	// Bytes that overwrote dirty bytes take no new room.
	w.budget.Release(int64(len(p)) - added)
	w.kick(false)
	return nil
}

// kick starts WRITEs for whole chunks (or everything, when all is set),
// as many as depth allows; the rest start as earlier ones finish.
func (w *Writer) kick(all bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.inflight < w.depth {
		var ext []Extent
		var n int64
		if all {
			ext, n = w.dirty.TakeAll()
		} else {
			ext, n = w.dirty.TakeFull(w.chunk)
		}
		if n == 0 {
			return
		}
		w.pending += n
		// Every piece is recorded as taken before any is sent, so that
		// newer bytes taken meanwhile by another caller wait for them.
		type piece struct {
			sp      span
			data    []byte
			recycle bool
		}
		var pieces []piece
		for _, e := range ext {
			// A buffer sent whole in one WRITE is recycled after it.
			recycle := len(e.Data) <= w.chunk && cap(e.Data) == w.chunk
			for len(e.Data) > 0 {
				c := min(len(e.Data), w.chunk)
				pieces = append(pieces, piece{w.takeSpan(e.Off, c), e.Data[:c], recycle})
				e.Off += int64(c)
				e.Data = e.Data[c:]
			}
		}
		for _, p := range pieces {
			for w.inflight >= w.depth || w.waitsFor(p.sp) {
				w.cond.Wait()
			}
			w.inflight++
			go w.writeOne(w.send, p.sp, p.data, p.recycle)
		}
	}
}

func (w *Writer) writeOne(send WriteFunc, sp span, data []byte, whole bool) {
	err := send(context.Background(), sp.off, data)
	if whole {
		PutBuf(data)
	}
	w.mu.Lock()
	if err != nil && w.err == nil {
		w.err = err
	}
	w.doneSpan(sp)
	w.inflight--
	w.pending -= int64(len(data))
	w.mu.Unlock()
	w.cond.Broadcast()
	w.budget.Release(int64(len(data)))
}

// Flush writes every dirty byte and waits for all WRITEs, returning the
// first error since the last Flush.
func (w *Writer) Flush() error {
	w.kick(true)
	w.mu.Lock()
	defer w.mu.Unlock()
	// pending, not inflight: bytes another caller took and has not sent
	// yet (it waits for room) are not written either.
	for w.pending > 0 || !w.dirty.Empty() {
		if !w.dirty.Empty() && w.inflight < w.depth {
			w.mu.Unlock()
			w.kick(true)
			w.mu.Lock()
			continue
		}
		w.cond.Wait()
	}
	err := w.err
	w.err = nil
	return err
}

// TakeSmall hands the caller the buffered data when it is one extent of at
// most max bytes with nothing in flight, so that it can ride in a compound
// with other requests (a small file's data with its times). The caller
// sends it and reports the result with done.
func (w *Writer) TakeSmall(max int) (e Extent, done func(error), ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending > 0 || len(w.dirty.ext) != 1 || len(w.dirty.ext[0].Data) > max {
		return Extent{}, nil, false
	}
	ext, n := w.dirty.TakeAll()
	sp := w.takeSpan(ext[0].Off, len(ext[0].Data))
	w.inflight++
	w.pending += n
	return ext[0], func(err error) {
		w.mu.Lock()
		if err != nil && w.err == nil {
			w.err = err
		}
		w.doneSpan(sp)
		w.inflight--
		w.pending -= n
		w.mu.Unlock()
		w.cond.Broadcast()
		w.budget.Release(n)
	}, true
}

// Dirty reports unwritten data, buffered or on the wire.
func (w *Writer) Dirty() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.dirty.Empty() || w.pending > 0
}

// Overlaps reports buffered or in-flight data in [off, off+n): a read of
// that range must flush first.
func (w *Writer) Overlaps(off, n int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pending > 0 || w.dirty.Overlaps(off, n)
}

// Size is the file size the buffered data implies: at least the end of the
// furthest byte written since the last Truncate.
func (w *Writer) Size() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sizeHint
}

// Truncate drops buffered bytes past size (a truncate that the caller
// sends to the server after Flush would otherwise be undone by them).
func (w *Writer) Truncate(size int64) {
	w.mu.Lock()
	n := w.dirty.Truncate(size)
	w.sizeHint = size
	w.mu.Unlock()
	w.budget.Release(n)
}
