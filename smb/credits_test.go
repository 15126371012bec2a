package smb

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestChargeFor(t *testing.T) {
	for _, c := range []struct{ size, want int }{{0, 1}, {1, 1}, {65536, 1}, {65537, 2}, {8 << 20, 128}} {
		if got := chargeFor(c.size); got != c.want {
			t.Errorf("chargeFor(%d) = %d, want %d", c.size, got, c.want)
		}
	}
}

func TestCreditTakeGrant(t *testing.T) {
	w := newCreditWindow(1)
	ctx := context.Background()
	if err := w.take(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Balance 0, one in flight: a second take waits for the grant.
	done := make(chan error, 1)
	go func() { done <- w.take(ctx, 4) }()
	select {
	case err := <-done:
		t.Fatalf("take returned before any grant: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	w.grant(10, 1)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if b, in := w.snapshot(); b != 6 || in != 4 {
		t.Fatalf("balance %d inflight %d, want 6 and 4", b, in)
	}
}

func TestCreditStarvation(t *testing.T) {
	w := newCreditWindow(1)
	ctx := context.Background()
	w.take(ctx, 1)
	w.grant(0, 1) // a server that grants nothing
	var starved *ErrCreditStarved
	if err := w.take(ctx, 1); !errors.As(err, &starved) {
		t.Fatalf("take with zero balance and nothing in flight: %v", err)
	}
}

func TestCreditFloodIsBounded(t *testing.T) {
	w := newCreditWindow(1)
	for i := 0; i < 100; i++ {
		w.grant(0xFFFF, 0)
	}
	if b, _ := w.snapshot(); b != maxBalance {
		t.Fatalf("balance %d after flood, want cap %d", b, maxBalance)
	}
	if r := w.request(1); r != 1 {
		t.Fatalf("credit request with a full window = %d, want just the charge", r)
	}
}

func TestCreditKillAndCancel(t *testing.T) {
	w := newCreditWindow(1)
	w.take(context.Background(), 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.take(ctx, 1) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled take: %v", err)
	}
	boom := errors.New("connection lost")
	go func() { done <- w.take(context.Background(), 1) }()
	time.Sleep(5 * time.Millisecond)
	w.kill(boom)
	if err := <-done; err != boom {
		t.Fatalf("take after kill: %v", err)
	}
}
