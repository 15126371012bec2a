package smb

import (
	"context"
	"fmt"
	"sync"
)

// creditWindow is a channel's SMB2 credit balance, MS-SMB2 3.2.4.1.5 and
// 3.2.5.1.4: the number of message ids the client may still use. It plays the
// role of http2's outflow window.
//
// Invariants:
//   - balance >= 0; a request is sent only after take(n) removed n credits.
//   - inflight counts credits charged by requests whose final response has not
//     arrived; only responses (interim or final) grant credits back.
//   - balance never exceeds maxBalance, so a server flooding grants cannot
//     make the window grow without bound.
//   - take fails instead of waiting forever when the balance is short and
//     nothing is in flight: no response will ever grant more (a server that
//     granted zero credits).
type creditWindow struct {
	mu       sync.Mutex
	cond     chan struct{} // closed and replaced whenever balance grows or the window dies
	balance  int
	inflight int
	dead     error
}

const (
	maxBalance = 1 << 16
	// targetWindow is how many credits the client asks for beyond a request's
	// charge, so that several 4 MiB reads and writes can be in flight at once.
	targetWindow = 2048
)

func newCreditWindow(initial int) *creditWindow {
	return &creditWindow{balance: initial, cond: make(chan struct{})}
}

// ErrCreditStarved is returned when a request needs more credits than the
// server has granted and no outstanding request can bring more.
type ErrCreditStarved struct{ Need, Have int }

func (e *ErrCreditStarved) Error() string {
	return fmt.Sprintf("smb: server granted %d credits, request needs %d, and none are outstanding (credit starvation)", e.Have, e.Need)
}

// take removes n credits, waiting for grants while requests are in flight.
func (w *creditWindow) take(ctx context.Context, n int) error {
	for {
		w.mu.Lock()
		if w.dead != nil {
			err := w.dead
			w.mu.Unlock()
			return err
		}
		if w.balance >= n {
			w.balance -= n
			w.inflight += n
			w.mu.Unlock()
			return nil
		}
		if w.inflight == 0 {
			have := w.balance
			w.mu.Unlock()
			return &ErrCreditStarved{Need: n, Have: have}
		}
		ch := w.cond
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// grant adds credits from a response. done is the charge of the request
// whose final response this is (0 for an interim response), which is no
// longer in flight.
func (w *creditWindow) grant(n, done int) {
	w.mu.Lock()
	w.balance += n
	if w.balance > maxBalance {
		w.balance = maxBalance
	}
	w.inflight -= done
	if w.inflight < 0 {
		w.inflight = 0
	}
	close(w.cond)
	w.cond = make(chan struct{})
	w.mu.Unlock()
}

// request is the CreditRequest for a request charging n: its own charge plus
// enough to grow the window towards targetWindow.
func (w *creditWindow) request(n int) uint16 {
	w.mu.Lock()
	want := targetWindow - (w.balance + w.inflight)
	w.mu.Unlock()
	if want < 0 {
		want = 0
	}
	r := n + want
	if r > 0xFFFF {
		r = 0xFFFF
	}
	if r < 1 {
		r = 1
	}
	return uint16(r)
}

// kill fails current and future waiters with err.
func (w *creditWindow) kill(err error) {
	w.mu.Lock()
	if w.dead == nil {
		w.dead = err
		close(w.cond)
		w.cond = make(chan struct{})
	}
	w.mu.Unlock()
}

// snapshot returns balance and in-flight credits for stats.
func (w *creditWindow) snapshot() (balance, inflight int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.balance, w.inflight
}

// chargeFor is the CreditCharge of a request moving size payload bytes,
// MS-SMB2 3.1.5.2: one credit per 64 KiB, at least one.
func chargeFor(size int) int {
	if size <= 0 {
		return 1
	}
	return (size-1)/65536 + 1
}
