package cache

import (
	"context"
	"errors"
	"io"
	"sync"
)

// ReadFunc reads up to n bytes at off with one READ and returns them where
// they arrived: fewer only at end of file, io.EOF with none.
type ReadFunc func(ctx context.Context, off int64, n int) ([]byte, error)

// Readahead serves one open file's sequential reads from chunks fetched
// ahead of the reader, several READs in flight, the window doubling with
// each sequential read up to a maximum (as the kernel's readahead does,
// but with the server's large READs instead of the FUSE request size). A
// read that is not sequential drops the window and goes to the server.
// Reads inside one chunk are answered with a slice of it: the bytes go
// from the socket buffer to the kernel without another copy.
type Readahead struct {
	read  ReadFunc
	chunk int // bytes per READ
	max   int // largest window, bytes

	mu     sync.Mutex
	next   int64 // where a sequential reader reads next
	window int
	bufs   []*raChunk // in offset order, contiguous
	gen    uint64     // the file's data generation the chunks belong to
}

type raChunk struct {
	off  int64
	data []byte // valid once done is closed
	err  error
	done chan struct{}
}

// NewReadahead returns a readahead of chunk-sized READs, at most max bytes
// ahead of the reader.
func NewReadahead(read ReadFunc, chunk, max int) *Readahead {
	return &Readahead{read: read, chunk: chunk, max: max}
}

// Read returns up to n bytes at off, fewer at end of file. gen is the
// file's data generation: when it differs from the one the buffered chunks
// were read at (a write, a truncate, a lease break), they are dropped. The
// result may alias a buffered chunk; the caller must not modify it.
func (r *Readahead) Read(ctx context.Context, off int64, n int, gen uint64) ([]byte, error) {
	r.mu.Lock()
	if gen != r.gen {
		r.bufs, r.window, r.gen = nil, 0, gen
	}
	end := off + int64(n)
	// The kernel sends its readahead as several requests at once, which
	// arrive in any order: a read near the last one is still sequential.
	slack := int64(r.max)
	near := off == r.next || (r.window > 0 && off >= r.next-slack && off <= r.next+slack)
	if !near {
		r.bufs, r.window = nil, 0
		r.next = end
		r.mu.Unlock()
		return r.direct(ctx, off, n)
	}
	r.window = min(max(2*r.window, r.chunk), r.max)
	if end > r.next {
		r.next = end
	}
	// Drop chunks well behind the reader; fill up to the window past it.
	for len(r.bufs) > 0 && r.bufs[0].off+int64(r.chunk) <= r.next-slack {
		r.bufs = r.bufs[1:]
	}
	if len(r.bufs) > 0 && off < r.bufs[0].off {
		r.mu.Unlock()
		return r.direct(ctx, off, n) // a late request for what was dropped
	}
	from := off - off%int64(r.chunk)
	if len(r.bufs) > 0 {
		last := r.bufs[len(r.bufs)-1]
		from = last.off + int64(r.chunk)
		if last.isShort(r.chunk) {
			from = -1 // end of file reached: nothing past it to fetch
		}
	}
	want := r.next + int64(r.window)
	for from >= 0 && from < want {
		c := &raChunk{off: from, done: make(chan struct{})}
		r.bufs = append(r.bufs, c)
		go r.fetch(c)
		from += int64(r.chunk)
	}
	var use []*raChunk
	for _, c := range r.bufs {
		if c.off < end && c.off+int64(r.chunk) > off {
			use = append(use, c)
		}
	}
	r.mu.Unlock()

	var out []byte
	pos := off
	for i, c := range use {
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if c.err != nil && !errors.Is(c.err, io.EOF) {
			r.drop()
			return nil, c.err
		}
		lo := pos - c.off
		if lo >= int64(len(c.data)) {
			break // past end of file
		}
		hi := min(int64(len(c.data)), end-c.off)
		if i == 0 && (hi == end-c.off || len(c.data) < r.chunk) {
			return c.data[lo:hi], nil // all of it in one chunk
		}
		if out == nil {
			out = make([]byte, 0, n)
		}
		out = append(out, c.data[lo:hi]...)
		pos = c.off + hi
		if len(c.data) < r.chunk {
			break
		}
	}
	return out, nil
}

// isShort reports a finished chunk that ended at end of file.
func (c *raChunk) isShort(chunk int) bool {
	select {
	case <-c.done:
		return len(c.data) < chunk
	default:
		return false
	}
}

func (r *Readahead) fetch(c *raChunk) {
	c.data, c.err = r.read(context.Background(), c.off, r.chunk)
	close(c.done)
}

func (r *Readahead) direct(ctx context.Context, off int64, n int) ([]byte, error) {
	b, err := r.read(ctx, off, n)
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	return b, err
}

// drop forgets every buffered chunk.
func (r *Readahead) drop() {
	r.mu.Lock()
	r.bufs, r.window = nil, 0
	r.mu.Unlock()
}
