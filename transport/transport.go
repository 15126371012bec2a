// Package transport carries SMB2 frames between client and server. A Transport
// moves whole frames (one SMB2 message, a compound chain, or a transform
// message); the smb package never sees framing bytes.
//
// Direct TCP (MS-SMB2 2.1) prefixes each frame with a zero byte and a 24-bit
// big-endian length, so a frame is at most MaxFrame bytes: 16 MiB less one,
// room for an 8 MiB read or write plus headers and a transform.
package transport

import (
	"errors"
	"net"
)

// MaxFrame is the largest frame direct TCP can carry.
const MaxFrame = 1<<24 - 1

// Transport sends and receives SMB2 frames. Send may be called from one
// goroutine at a time (the connection's writer serializes), Recv from one
// (its reader); Close may be called from any goroutine and unblocks both.
type Transport interface {
	// Send writes one frame made of the concatenation of bufs, without
	// copying them into one buffer.
	Send(bufs ...[]byte) error
	// Recv returns the next frame. The caller owns the returned slice.
	Recv() ([]byte, error)
	Close() error
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
	// String names the transport for logs, e.g. "tcp 127.0.0.1:445".
	String() string
}

// ErrFrameTooLarge is returned by Send for a frame over MaxFrame bytes, and by
// Recv when the peer announces one.
var ErrFrameTooLarge = errors.New("transport: frame larger than 16 MiB")

// ErrBadFraming is returned by Recv when the 4-byte prefix is not a direct-TCP
// length (its first byte must be zero).
var ErrBadFraming = errors.New("transport: bad frame prefix")
