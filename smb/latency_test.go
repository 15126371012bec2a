package smb

import (
	"testing"
	"time"

	"github.com/gosmb/gosmb/smb/wire"
)

func TestHistogramPercentiles(t *testing.T) {
	var h Histogram
	if h.Percentile(50) != 0 {
		t.Fatal("percentile of nothing")
	}
	for i := 0; i < 90; i++ {
		h.Observe(300 * time.Microsecond) // bucket < 512 µs
	}
	for i := 0; i < 10; i++ {
		h.Observe(20 * time.Millisecond) // bucket < 32.768 ms
	}
	if h.Count() != 100 {
		t.Fatalf("count %d", h.Count())
	}
	if p := h.Percentile(50); p != 512*time.Microsecond {
		t.Errorf("p50 %v, want 512µs", p)
	}
	if p := h.Percentile(90); p != 512*time.Microsecond {
		t.Errorf("p90 %v, want 512µs", p)
	}
	if p := h.Percentile(99); p != 32768*time.Microsecond {
		t.Errorf("p99 %v, want 32.768ms", p)
	}
	h.Observe(time.Hour) // past the last bucket
	if p := h.Percentile(100); p != time.Duration(1<<31)*time.Microsecond {
		t.Errorf("p100 %v", p)
	}
	h.Reset()
	if h.Count() != 0 {
		t.Error("reset kept counts")
	}
}

func TestTraceDropsRatherThanBlocks(t *testing.T) {
	var c Conn
	c.emit(Event{Kind: EventSend}) // nobody listens: nothing happens
	events, dropped, stop := c.Trace(2)
	for i := 0; i < 5; i++ {
		c.emit(Event{Kind: EventDone, Cmd: wire.CmdRead, MID: uint64(i)})
	}
	if d := dropped(); d != 3 {
		t.Errorf("dropped %d, want 3", d)
	}
	if e := <-events; e.MID != 0 || e.Kind != EventDone || e.Time.IsZero() {
		t.Errorf("first event %+v", e)
	}
	stop()
	stop() // twice is fine
	c.emit(Event{Kind: EventSend})
	if _, ok := <-events; !ok {
		t.Error("buffered event lost at stop")
	}
	if _, ok := <-events; ok {
		t.Error("channel still open after stop")
	}
}
