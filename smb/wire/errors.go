package wire

import "fmt"

// DecodeError reports bytes from a peer that do not form a valid structure.
// It names the structure and field so a log line points at the problem.
type DecodeError struct {
	Struct string // e.g. "NEGOTIATE response"
	Field  string // e.g. "SecurityBufferOffset"
	Reason string
}

func (e *DecodeError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("smb: malformed %s: %s", e.Struct, e.Reason)
	}
	return fmt.Sprintf("smb: malformed %s: %s: %s", e.Struct, e.Field, e.Reason)
}

func errShort(s string, need, have int) error {
	return &DecodeError{Struct: s, Reason: fmt.Sprintf("%d bytes, need at least %d", have, need)}
}

func errField(s, f, reason string, args ...any) error {
	return &DecodeError{Struct: s, Field: f, Reason: fmt.Sprintf(reason, args...)}
}

// slice returns msg[off:off+n] when that range lies inside msg, for offset and
// length pairs read from the wire. A zero length is valid at any offset
// (servers send offset 0 with length 0) and yields nil.
func slice(msg []byte, off, n uint32, s, f string) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	end := uint64(off) + uint64(n)
	if end > uint64(len(msg)) {
		return nil, errField(s, f, "offset %d + length %d past end of message (%d bytes)", off, n, len(msg))
	}
	return msg[off:end], nil
}

// checkSize verifies the fixed StructureSize field at body[0:2].
func checkSize(msg []byte, want uint16, s string) error {
	if len(msg) < HeaderSize+2 {
		return errShort(s, HeaderSize+2, len(msg))
	}
	if got := le.Uint16(msg[HeaderSize:]); got != want {
		return errField(s, "StructureSize", "%d, want %d", got, want)
	}
	return nil
}

// pad8 appends zero bytes to b until len(b) is a multiple of 8.
func pad8(b []byte) []byte {
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

// Pad8 is pad8 for the layers that build compound chains.
func Pad8(b []byte) []byte { return pad8(b) }
