package cache

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"sync"
	"testing"
	"time"
)

// model replays writes into a flat file, the answer Extents must match.
type model struct {
	data  []byte
	dirty []bool
}

func (m *model) write(off int64, p []byte) {
	for int64(len(m.data)) < off+int64(len(p)) {
		m.data = append(m.data, 0)
		m.dirty = append(m.dirty, false)
	}
	copy(m.data[off:], p)
	for i := range p {
		m.dirty[off+int64(i)] = true
	}
}

func check(t *testing.T, s *Extents, m *model) {
	t.Helper()
	var n int64
	for i, e := range s.ext {
		if i > 0 && s.ext[i-1].End() > e.Off {
			t.Fatalf("extents %d and %d overlap: %d > %d", i-1, i, s.ext[i-1].End(), e.Off)
		}
		if !bytes.Equal(e.Data, m.data[e.Off:e.End()]) {
			t.Fatalf("extent at %d holds the wrong bytes", e.Off)
		}
		for k := e.Off; k < e.End(); k++ {
			if !m.dirty[k] {
				t.Fatalf("byte %d is in an extent but was never written", k)
			}
		}
		n += int64(len(e.Data))
	}
	var want int64
	for _, d := range m.dirty {
		if d {
			want++
		}
	}
	if n != want || s.Len() != want {
		t.Fatalf("extents hold %d bytes (Len %d), model %d", n, s.Len(), want)
	}
}

func TestExtentsMatchModel(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for round := 0; round < 200; round++ {
		s := &Extents{Max: 1 + r.Intn(300)}
		m := &model{}
		for i := 0; i < 60; i++ {
			off := int64(r.Intn(1000))
			if r.Intn(3) == 0 && !s.Empty() {
				off = s.End() // sequential
			}
			p := make([]byte, 1+r.Intn(200))
			r.Read(p)
			before := s.Len()
			added := s.Write(off, p)
			m.write(off, p)
			if s.Len()-before != added {
				t.Fatalf("Write reported %d added, Len grew %d", added, s.Len()-before)
			}
			check(t, s, m)
		}
	}
}

func TestExtentsStreamMakesFullChunks(t *testing.T) {
	s := &Extents{Max: 1 << 20}
	p := make([]byte, 128<<10)
	for off := int64(0); off < 5<<20; off += int64(len(p)) {
		s.Write(off, p)
	}
	full, n := s.TakeFull(1 << 20)
	if len(full) != 5 || n != 5<<20 || !s.Empty() {
		t.Fatalf("took %d extents, %d bytes; %d left", len(full), n, s.Len())
	}
	for i, e := range full {
		if e.Off != int64(i)<<20 || len(e.Data) != 1<<20 {
			t.Fatalf("extent %d: off %d len %d", i, e.Off, len(e.Data))
		}
	}
}

func TestExtentsTruncate(t *testing.T) {
	s := &Extents{}
	s.Write(0, []byte("hello"))
	s.Write(10, []byte("world"))
	if d := s.Truncate(12); d != 3 || s.Len() != 7 || s.End() != 12 {
		t.Fatalf("dropped %d, len %d, end %d", d, s.Len(), s.End())
	}
	if !s.Overlaps(11, 1) || s.Overlaps(5, 5) {
		t.Fatal("Overlaps wrong after truncate")
	}
}

// fakeServer is a file that WRITEs land in, slowly.
type fakeServer struct {
	mu       sync.Mutex
	data     []byte
	inflight int
	peak     int
	fail     bool
}

func (f *fakeServer) send(ctx context.Context, off int64, p []byte) error {
	f.mu.Lock()
	f.inflight++
	if f.inflight > f.peak {
		f.peak = f.inflight
	}
	f.mu.Unlock()
	time.Sleep(time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inflight--
	if f.fail {
		return errors.New("disk full")
	}
	for int64(len(f.data)) < off+int64(len(p)) {
		f.data = append(f.data, 0)
	}
	copy(f.data[off:], p)
	return nil
}

func TestWriterDeliversEverythingWithinBudget(t *testing.T) {
	b := NewBudget(4 << 20)
	w := NewWriter(b, 1<<20, 4)
	srv := &fakeServer{}
	want := make([]byte, 16<<20+123)
	rand.New(rand.NewSource(2)).Read(want)
	for off := 0; off < len(want); off += 100 << 10 {
		end := min(off+100<<10, len(want))
		if err := w.Write(int64(off), want[off:end], srv.send); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(srv.data, want) {
		t.Fatal("server data differs")
	}
	if b.Peak() > 4<<20 {
		t.Fatalf("dirty peak %d over the 4 MiB budget", b.Peak())
	}
	if b.Used() != 0 {
		t.Fatalf("budget still holds %d after flush", b.Used())
	}
	if srv.peak < 2 || srv.peak > 4 {
		t.Fatalf("%d WRITEs in flight at most, want 2..4", srv.peak)
	}
}

func TestWriterReportsFailedWriteOnce(t *testing.T) {
	b := NewBudget(1 << 20)
	w := NewWriter(b, 64<<10, 2)
	srv := &fakeServer{fail: true}
	w.Write(0, make([]byte, 1000), srv.send)
	if err := w.Flush(); err == nil {
		t.Fatal("Flush after a failed WRITE returned nil")
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("second Flush: %v (the error was reported already)", err)
	}
	if b.Used() != 0 {
		t.Fatalf("budget holds %d after a failed write", b.Used())
	}
}

func TestWriterWritesThroughWhenOthersHoldTheBudget(t *testing.T) {
	b := NewBudget(1 << 20)
	held := NewWriter(b, 4<<20, 2) // a partial chunk: nothing will flush it
	if err := held.Write(0, make([]byte, 1<<20), (&fakeServer{}).send); err != nil {
		t.Fatal(err)
	}
	srv := &fakeServer{}
	w := NewWriter(b, 4<<20, 2)
	done := make(chan error, 1)
	go func() { done <- w.Write(5, []byte("x"), srv.send) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Write blocked on a budget held by another file's partial buffer")
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.data) != 6 || srv.data[5] != 'x' {
		t.Fatalf("written through: %q", srv.data)
	}
}

// A write over bytes whose WRITE is still on the wire must reach the
// server after it: the server may apply concurrent WRITEs in any order.
func TestWriterOrdersOverlappingWrites(t *testing.T) {
	const chunk = 64 << 10
	w := NewWriter(NewBudget(1<<20), chunk, 4)
	var mu sync.Mutex
	server := make([]byte, chunk)
	release := make(chan struct{})
	send := func(ctx context.Context, off int64, p []byte) error {
		if len(p) == chunk {
			<-release // the old chunk is slow
		}
		mu.Lock()
		copy(server[off:], p)
		mu.Unlock()
		return nil
	}
	old := bytes.Repeat([]byte("o"), chunk)
	if err := w.Write(0, old, send); err != nil { // a full chunk: on the wire at once
		t.Fatal(err)
	}
	if err := w.Write(100, []byte("NEW"), send); err != nil {
		t.Fatal(err)
	}
	flushed := make(chan error, 1)
	go func() { flushed <- w.Flush() }()
	time.Sleep(50 * time.Millisecond) // let the new bytes overtake, were they allowed to
	close(release)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if got := string(server[100:103]); got != "NEW" {
		t.Fatalf("server has %q at 100: the older WRITE landed after the newer", got)
	}
}
