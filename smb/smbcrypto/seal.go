package smbcrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/gosmb/gosmb/smb/wire"
)

// ErrDecrypt is returned for any encrypted message that fails to open.
var ErrDecrypt = errors.New("smbcrypto: decryption failed")

// Sealer encrypts and decrypts SMB3 messages with the transform header,
// MS-SMB2 3.1.4.3. Safe for concurrent use.
//
// Nonces: a random 4-byte prefix chosen per Sealer followed by a 64-bit
// counter, so nonces never repeat for a key within 2^64 messages and
// distinct Sealers (channels, reconnects) with the same key collide only
// if their random prefixes do and their counters overlap.
type Sealer struct {
	cipher  wire.Cipher
	enc     cipher.AEAD
	dec     cipher.AEAD
	prefix  [4]byte
	counter atomic.Uint64
}

// NewSealer builds a Sealer for c with the client-to-server (enc) and
// server-to-client (dec) keys.
func NewSealer(c wire.Cipher, encKey, decKey []byte) (*Sealer, error) {
	mk := func(key []byte) (cipher.AEAD, error) {
		if len(key) != c.KeySize() {
			return nil, fmt.Errorf("smbcrypto: %s needs a %d-byte key, have %d", c, c.KeySize(), len(key))
		}
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		switch c {
		case wire.CipherAES128GCM, wire.CipherAES256GCM:
			return cipherGCM(b)
		case wire.CipherAES128CCM, wire.CipherAES256CCM:
			return NewCCM(b, 11, 16)
		}
		return nil, fmt.Errorf("smbcrypto: unknown cipher %s", c)
	}
	s := &Sealer{cipher: c}
	var err error
	if s.enc, err = mk(encKey); err != nil {
		return nil, err
	}
	if s.dec, err = mk(decKey); err != nil {
		return nil, err
	}
	if _, err := rand.Read(s.prefix[:]); err != nil {
		return nil, err
	}
	return s, nil
}

// Seal appends the transform header and the encrypted msg to dst.
func (s *Sealer) Seal(dst []byte, sessionID uint64, msg []byte) ([]byte, error) {
	th := wire.TransformHeader{OriginalMessageSize: uint32(len(msg)), Flags: wire.TransformFlagEncrypted, SessionID: sessionID}
	copy(th.Nonce[:4], s.prefix[:])
	binary.LittleEndian.PutUint64(th.Nonce[4:12], s.counter.Add(1))
	ns := s.enc.NonceSize()
	clear(th.Nonce[ns:])
	start := len(dst)
	dst = th.Append(dst)
	hdr := dst[start:]
	out := s.enc.Seal(dst, th.Nonce[:ns], msg, hdr[wire.TransformAADOffset:wire.TransformHeaderSize])
	// Move the tag from the end into the header's Signature field.
	tagAt := len(out) - 16
	copy(out[start+4:start+20], out[tagAt:])
	return out[:tagAt], nil
}

// Open decrypts a transform message in place and returns the plaintext
// (aliasing frame) and the session id.
func (s *Sealer) Open(frame []byte) ([]byte, uint64, error) {
	th, err := wire.ParseTransformHeader(frame)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	if th.Flags != wire.TransformFlagEncrypted {
		return nil, 0, fmt.Errorf("%w: transform flags 0x%x", ErrDecrypt, th.Flags)
	}
	body := frame[wire.TransformHeaderSize:]
	// AEADs want ciphertext||tag; the tag sits in the header. Build the
	// contiguous form without copying the body: append the tag when the
	// buffer has room, else copy once.
	ct := make([]byte, 0, len(body)+16)
	ct = append(ct, body...)
	ct = append(ct, th.Signature[:]...)
	ns := s.dec.NonceSize()
	pt, err := s.dec.Open(body[:0], th.Nonce[:ns], ct, frame[wire.TransformAADOffset:wire.TransformHeaderSize])
	if err != nil {
		return nil, 0, ErrDecrypt
	}
	return pt, th.SessionID, nil
}
