// Package utf16le converts between Go strings and the UTF-16LE that SMB puts
// on the wire for names and paths.
package utf16le

import (
	"encoding/binary"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrOddLength is returned for a byte string that cannot be UTF-16.
var ErrOddLength = errors.New("utf16le: odd byte length")

// EncodedLen is the number of bytes s takes in UTF-16LE.
func EncodedLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 4
		} else {
			n += 2
		}
	}
	return n
}

// Append appends s in UTF-16LE to b.
func Append(b []byte, s string) []byte {
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = binary.LittleEndian.AppendUint16(b, uint16(r1))
			b = binary.LittleEndian.AppendUint16(b, uint16(r2))
			continue
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

// Encode returns s in UTF-16LE.
func Encode(s string) []byte { return Append(make([]byte, 0, EncodedLen(s)), s) }

// Decode converts UTF-16LE bytes to a string. Unpaired surrogates become
// U+FFFD, as the server would have no valid name for them either.
func Decode(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", ErrOddLength
	}
	ascii := true
	for i := 0; i < len(b); i += 2 {
		if b[i+1] != 0 || b[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		out := make([]byte, len(b)/2)
		for i := range out {
			out[i] = b[2*i]
		}
		return string(out), nil
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}
