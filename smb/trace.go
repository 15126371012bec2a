package smb

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosmb/gosmb/smb/wire"
)

// Event is one thing that happened on a connection, as gosmb trace shows it.
type Event struct {
	Time    time.Time
	Kind    EventKind
	Cmd     wire.Command  // the request's command (Send, Done, Cancel), OPLOCK_BREAK for Break
	MID     uint64        // its message id
	Status  wire.Status   // Done: the reply's status
	Latency time.Duration // Done: since the request was sent; Stall: how long it waited
}

// EventKind names what an Event records.
type EventKind uint8

const (
	EventSend   EventKind = iota + 1 // a request went out
	EventDone                        // its final reply came back
	EventBreak                       // the server broke a lease or an oplock
	EventCancel                      // a request was given up and CANCEL sent
	EventStall                       // a request waited for credits
)

func (k EventKind) String() string {
	switch k {
	case EventSend:
		return "send"
	case EventDone:
		return "done"
	case EventBreak:
		return "break"
	case EventCancel:
		return "cancel"
	case EventStall:
		return "stall"
	}
	return "unknown"
}

// tracers is a connection's event subscribers. With none, emitting costs
// one atomic load.
type tracers struct {
	n    atomic.Int32
	mu   sync.Mutex
	subs map[*tracer]struct{}
}

type tracer struct {
	ch      chan Event
	dropped atomic.Uint64
}

// Trace subscribes to the connection's events, buffering up to buf of
// them: a subscriber that falls behind loses events (counted by dropped)
// rather than slowing requests. stop ends the subscription and closes
// the channel.
func (c *Conn) Trace(buf int) (events <-chan Event, dropped func() uint64, stop func()) {
	t := &tracer{ch: make(chan Event, buf)}
	tr := &c.tracers
	tr.mu.Lock()
	if tr.subs == nil {
		tr.subs = map[*tracer]struct{}{}
	}
	tr.subs[t] = struct{}{}
	tr.n.Add(1)
	tr.mu.Unlock()
	var once sync.Once
	return t.ch, t.dropped.Load, func() {
		once.Do(func() {
			tr.mu.Lock()
			delete(tr.subs, t)
			tr.n.Add(-1)
			close(t.ch)
			tr.mu.Unlock()
		})
	}
}

// emit hands e to every subscriber that has room.
func (c *Conn) emit(e Event) {
	tr := &c.tracers
	if tr.n.Load() == 0 {
		return
	}
	e.Time = time.Now()
	tr.mu.Lock()
	for t := range tr.subs {
		select {
		case t.ch <- e:
		default:
			t.dropped.Add(1)
		}
	}
	tr.mu.Unlock()
}

// tracing reports whether anyone subscribes, so that callers skip
// building events nobody reads.
func (c *Conn) tracing() bool { return c.tracers.n.Load() != 0 }
