package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
)

func pipe(t *testing.T) (*TCP, *TCP) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	c, err := DialTCP(context.Background(), "127.0.0.1", TCPOptions{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	s := NewTCP(<-ch)
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}

func TestFrameRoundTrip(t *testing.T) {
	c, s := pipe(t)
	big := bytes.Repeat([]byte{0xAB}, 8<<20+200)
	for _, frame := range [][][]byte{{[]byte("hello")}, {[]byte("a"), nil, []byte("bc")}, {big[:100], big[100:]}} {
		want := bytes.Join(frame, nil)
		errc := make(chan error, 1)
		go func() { errc <- c.Send(frame...) }()
		got, err := s.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("frame of %d bytes came back as %d bytes", len(want), len(got))
		}
	}
}

func TestIPv6Bracketed(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatalf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := DialTCP(context.Background(), "[::1]", TCPOptions{Port: ln.Addr().(*net.TCPAddr).Port})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestTooLarge(t *testing.T) {
	c, _ := pipe(t)
	if err := c.Send(make([]byte, MaxFrame+1)); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("Send of oversize frame: %v", err)
	}
}

func TestBadPrefixAndTruncation(t *testing.T) {
	c, s := pipe(t)
	go c.conn.Write([]byte{1, 0, 0, 4, 'x', 'x', 'x', 'x'})
	if _, err := s.Recv(); !errors.Is(err, ErrBadFraming) {
		t.Fatalf("bad prefix: %v", err)
	}
	c2, s2 := pipe(t)
	c2.conn.Write([]byte{0, 0, 0, 10, 'x'})
	c2.conn.Close()
	if _, err := s2.Recv(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated frame: %v", err)
	}
}

func TestDialRefused(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if _, err := DialTCP(context.Background(), "127.0.0.1", TCPOptions{Port: port}); err == nil {
		t.Fatal("dial to closed port succeeded")
	}
}

// FuzzRecv feeds arbitrary bytes as a peer's stream: Recv must return frames
// or an error, never panic or hang.
func FuzzRecv(f *testing.F) {
	f.Add([]byte{0, 0, 0, 4, 0xfe, 'S', 'M', 'B'})
	f.Add([]byte{0, 0xff, 0xff, 0xff, 1})
	f.Add([]byte{0x85, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c1, c2 := net.Pipe()
		go func() { c1.Write(b); c1.Close() }()
		tr := NewTCP(c2)
		for i := 0; i < 64; i++ {
			if _, err := tr.Recv(); err != nil {
				break
			}
		}
		tr.Close()
	})
}
