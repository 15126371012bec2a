package smb

// A scripted in-process server for what real servers won't do on demand:
// truncated frames, offsets past the buffer, zero credits, credit floods,
// silence and disconnects. Each case must end in a typed error within a
// bounded time, with no panic and no leaked goroutine.

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/transport"
)

// scripted serves one connection with handle and returns the port.
func scripted(t *testing.T, handle func(tr *transport.TCP)) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		tr := transport.NewTCP(c)
		handle(tr)
		tr.Close()
	}()
	t.Cleanup(func() {
		ln.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("scripted server did not finish")
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// reply builds a response header for a request.
func reply(req []byte, credits uint16, st wire.Status) wire.Header {
	var h wire.Header
	_ = h.Decode(req)
	return wire.Header{Command: h.Command, MessageID: h.MessageID, Credits: credits, Status: st,
		Flags: wire.FlagServerToRedir, SessionID: h.SessionID, TreeID: h.TreeID}
}

func negotiateReply(req []byte, credits uint16) []byte {
	h := reply(req, credits, wire.StatusSuccess)
	b := h.Append(nil)
	return (&wire.NegotiateResponse{
		SecurityMode: wire.NegotiateSigningEnabled, Dialect: wire.SMB210,
		MaxTransactSize: 1 << 20, MaxReadSize: 1 << 20, MaxWriteSize: 1 << 20,
		Capabilities: wire.CapLargeMTU,
	}).Append(b)
}

func echoReply(req []byte, credits uint16) []byte {
	h := reply(req, credits, wire.StatusSuccess)
	return (&wire.EchoResponse{}).Append(h.Append(nil))
}

func hostileDial(t *testing.T, port int, d time.Duration) (*Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return Dial(ctx, "127.0.0.1", Options{Port: port, MaxDialect: wire.SMB210})
}

func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHostileTruncatedFrame(t *testing.T) {
	before := runtime.NumGoroutine()
	port := scripted(t, func(tr *transport.TCP) {
		tr.Recv()
		tr.Send([]byte{0xFE, 'S', 'M', 'B', 64, 0})
		tr.Recv() // until the client hangs up
	})
	_, err := hostileDial(t, port, 5*time.Second)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("truncated frame: %v, want *ProtocolError", err)
	}
	checkNoLeak(t, before)
}

func TestHostileOffsetPastBuffer(t *testing.T) {
	port := scripted(t, func(tr *transport.TCP) {
		req, _ := tr.Recv()
		b := negotiateReply(req, 10)
		// SecurityBufferOffset (body offset 56) and Length (58): far past the end.
		le32put(b[wire.HeaderSize+56:], 0xFFF0_0080)
		tr.Send(b)
		tr.Recv()
	})
	_, err := hostileDial(t, port, 5*time.Second)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("offset past buffer: %v, want *ProtocolError", err)
	}
}

func TestHostileZeroCredits(t *testing.T) {
	port := scripted(t, func(tr *transport.TCP) {
		req, _ := tr.Recv()
		tr.Send(negotiateReply(req, 0))
		tr.Recv()
	})
	c, err := hostileDial(t, port, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	err = c.Echo(context.Background()) // no deadline: must not hang anyway
	var starved *ErrCreditStarved
	if !errors.As(err, &starved) {
		t.Fatalf("zero credits: %v, want ErrCreditStarved", err)
	}
	if time.Since(start) > time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestHostileCreditFlood(t *testing.T) {
	port := scripted(t, func(tr *transport.TCP) {
		req, _ := tr.Recv()
		tr.Send(negotiateReply(req, 0xFFFF))
		for {
			req, err := tr.Recv()
			if err != nil {
				return
			}
			tr.Send(echoReply(req, 0xFFFF))
		}
	})
	c, err := hostileDial(t, port, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 50; i++ {
		if err := c.Echo(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := c.Credits(); b > maxBalance {
		t.Fatalf("balance %d exceeds cap", b)
	}
}

func TestHostileNeverAnswers(t *testing.T) {
	before := runtime.NumGoroutine()
	port := scripted(t, func(tr *transport.TCP) {
		for {
			if _, err := tr.Recv(); err != nil {
				return
			}
		}
	})
	start := time.Now()
	_, err := hostileDial(t, port, 300*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("silent server: %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
	checkNoLeak(t, before)
}

func TestHostileDisconnectFailsWaiters(t *testing.T) {
	release := make(chan struct{})
	port := scripted(t, func(tr *transport.TCP) {
		req, _ := tr.Recv()
		tr.Send(negotiateReply(req, 64))
		for i := 0; i < 8; i++ {
			tr.Recv()
		}
		<-release
	})
	c, err := hostileDial(t, port, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() { errs <- c.Echo(context.Background()) }()
	}
	time.Sleep(100 * time.Millisecond)
	close(release) // server hangs up with 8 requests outstanding
	for i := 0; i < 8; i++ {
		select {
		case err := <-errs:
			var ce *ConnError
			if !errors.As(err, &ce) {
				t.Fatalf("waiter got %v, want *ConnError", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("waiter not released after disconnect")
		}
	}
	if c.Err() == nil {
		t.Fatal("Err() nil after disconnect")
	}
}

func TestHostileUnknownMIDAndWrongCommand(t *testing.T) {
	port := scripted(t, func(tr *transport.TCP) {
		req, _ := tr.Recv()
		tr.Send(negotiateReply(req, 64))
		req, _ = tr.Recv()
		// A reply for a message id never sent: dropped and counted.
		bogus := echoReply(req, 1)
		le64put(bogus[wire.OffMessageID:], 9999)
		tr.Send(bogus)
		tr.Send(echoReply(req, 1))
		req, _ = tr.Recv()
		// A reply whose command does not match the request.
		wrong := echoReply(req, 1)
		wrong[12] = byte(wire.CmdRead)
		tr.Send(wrong)
		tr.Recv()
	})
	c, err := hostileDial(t, port, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Echo(context.Background()); err != nil {
		t.Fatalf("echo after bogus reply: %v", err)
	}
	if c.Stats.Violations.Load() != 1 {
		t.Fatalf("violations = %d, want 1", c.Stats.Violations.Load())
	}
	var pe *ProtocolError
	if err := c.Echo(context.Background()); !errors.As(err, &pe) {
		t.Fatalf("mismatched command: %v", err)
	}
}

func TestHostileDowngrade(t *testing.T) {
	port := scripted(t, func(tr *transport.TCP) {
		req, _ := tr.Recv()
		b := negotiateReply(req, 10)
		// Pick 2.0.2 although the client offered only 2.1.
		b[wire.HeaderSize+4] = 0x02
		b[wire.HeaderSize+5] = 0x02
		tr.Send(b)
		tr.Recv()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Dial(ctx, "127.0.0.1", Options{Port: port, MinDialect: wire.SMB210, MaxDialect: wire.SMB210})
	var se *SecurityError
	if !errors.As(err, &se) {
		t.Fatalf("downgrade: %v, want *SecurityError", err)
	}
}

func le64put(b []byte, v uint64) {
	le32put(b, uint32(v))
	le32put(b[4:], uint32(v>>32))
}
