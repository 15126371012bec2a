package transport

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// DefaultPort is the SMB direct-TCP port.
const DefaultPort = 445

// TCPOptions configure DialTCP. The zero value dials port 445 with a 30 s
// timeout and 60 s keepalive.
type TCPOptions struct {
	Port        int
	DialTimeout time.Duration
	KeepAlive   time.Duration
	// LocalAddr binds the client end (multichannel picks an interface).
	LocalAddr net.Addr
}

// TCP is the direct-TCP transport, MS-SMB2 2.1.
type TCP struct {
	conn net.Conn
	r    *bufio.Reader
	name string
}

// DialTCP connects to host (a name, an IPv4 address or an IPv6 address, with
// or without brackets) on opts.Port.
func DialTCP(ctx context.Context, host string, opts TCPOptions) (*TCP, error) {
	port := opts.Port
	if port == 0 {
		port = DefaultPort
	}
	timeout := opts.DialTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ka := opts.KeepAlive
	if ka == 0 {
		ka = 60 * time.Second
	}
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	d := net.Dialer{Timeout: timeout, KeepAlive: ka, LocalAddr: opts.LocalAddr}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return NewTCP(c), nil
}

// NewTCP wraps an established stream (used by tests with net.Pipe and by the
// scripted server).
func NewTCP(c net.Conn) *TCP {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return &TCP{conn: c, r: bufio.NewReaderSize(c, 64<<10), name: "tcp " + c.RemoteAddr().String()}
}

func (t *TCP) Send(bufs ...[]byte) error {
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	if n > MaxFrame {
		return ErrFrameTooLarge
	}
	prefix := [4]byte{0, byte(n >> 16), byte(n >> 8), byte(n)}
	nb := make(net.Buffers, 0, len(bufs)+1)
	nb = append(nb, prefix[:])
	for _, b := range bufs {
		if len(b) > 0 {
			nb = append(nb, b)
		}
	}
	_, err := nb.WriteTo(t.conn)
	return err
}

func (t *TCP) Recv() ([]byte, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(t.r, prefix[:]); err != nil {
		return nil, err
	}
	if prefix[0] != 0 {
		return nil, fmt.Errorf("%w: first byte 0x%02x", ErrBadFraming, prefix[0])
	}
	n := int(prefix[1])<<16 | int(prefix[2])<<8 | int(prefix[3])
	buf := make([]byte, n)
	if _, err := io.ReadFull(t.r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

func (t *TCP) Close() error         { return t.conn.Close() }
func (t *TCP) LocalAddr() net.Addr  { return t.conn.LocalAddr() }
func (t *TCP) RemoteAddr() net.Addr { return t.conn.RemoteAddr() }
func (t *TCP) String() string       { return t.name }
