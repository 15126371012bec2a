package smbcrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"

	"github.com/gosmb/gosmb/smb/wire"
)

// ErrBadSignature is a message whose signature does not verify.
var ErrBadSignature = errors.New("smbcrypto: bad message signature")

// Signer signs and verifies whole SMB2 messages (one compound element each),
// MS-SMB2 3.1.4.1. The signature covers the message with its Signature
// field zeroed. Safe for concurrent use.
type Signer interface {
	// Sign writes the signature into msg[48:64].
	Sign(msg []byte)
	// Verify checks msg's signature; msg is unchanged afterwards.
	Verify(msg []byte) error
}

// NewSigner returns the signer for alg with key.
func NewSigner(alg wire.SigningAlg, key []byte) (Signer, error) {
	switch alg {
	case wire.SigningHMACSHA256:
		k := append([]byte(nil), key...)
		return &hmacSigner{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}, nil
	case wire.SigningAESCMAC:
		m, err := NewCMAC(key)
		if err != nil {
			return nil, err
		}
		return &cmacSigner{m}, nil
	case wire.SigningAESGMAC:
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		g, err := cipherGCM(b)
		if err != nil {
			return nil, err
		}
		return &gmacSigner{g}, nil
	}
	return nil, fmt.Errorf("smbcrypto: unknown signing algorithm %s", alg)
}

type macFunc func(msg []byte) [16]byte

// signWith computes the MAC over msg with a zeroed Signature field.
func signWith(msg []byte, f macFunc) [16]byte {
	var saved [16]byte
	copy(saved[:], msg[wire.OffSignature:wire.OffSignature+16])
	clear(msg[wire.OffSignature : wire.OffSignature+16])
	sig := f(msg)
	copy(msg[wire.OffSignature:], saved[:])
	return sig
}

func sign(msg []byte, f macFunc) {
	sig := signWith(msg, f)
	copy(msg[wire.OffSignature:], sig[:])
}

func verify(msg []byte, f macFunc) error {
	if len(msg) < wire.HeaderSize {
		return ErrBadSignature
	}
	sig := signWith(msg, f)
	if subtle.ConstantTimeCompare(sig[:], msg[wire.OffSignature:wire.OffSignature+16]) != 1 {
		return ErrBadSignature
	}
	return nil
}

type hmacSigner struct{ pool sync.Pool }

func (s *hmacSigner) mac(msg []byte) [16]byte {
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	var full [32]byte
	h.Sum(full[:0])
	s.pool.Put(h)
	var out [16]byte
	copy(out[:], full[:16])
	return out
}

func (s *hmacSigner) Sign(msg []byte)         { sign(msg, s.mac) }
func (s *hmacSigner) Verify(msg []byte) error { return verify(msg, s.mac) }

type cmacSigner struct{ m *CMAC }

func (s *cmacSigner) Sign(msg []byte)         { sign(msg, s.m.Sum) }
func (s *cmacSigner) Verify(msg []byte) error { return verify(msg, s.m.Sum) }

type gmacSigner struct{ g cipher.AEAD }

// mac is AES-GMAC with the nonce of MS-SMB2 3.1.4.1: MessageId, then a
// 32-bit word with bit 0 set for server-to-client messages and bit 1 for
// CANCEL.
func (s *gmacSigner) mac(msg []byte) [16]byte {
	var nonce [12]byte
	copy(nonce[:8], msg[wire.OffMessageID:wire.OffMessageID+8])
	var w uint32
	if binary.LittleEndian.Uint32(msg[wire.OffFlags:])&uint32(wire.FlagServerToRedir) != 0 {
		w |= 1
	}
	if wire.Command(binary.LittleEndian.Uint16(msg[12:])) == wire.CmdCancel {
		w |= 2
	}
	binary.LittleEndian.PutUint32(nonce[8:], w)
	var out [16]byte
	s.g.Seal(out[:0], nonce[:], nil, msg)
	return out
}

func (s *gmacSigner) Sign(msg []byte)         { sign(msg, s.mac) }
func (s *gmacSigner) Verify(msg []byte) error { return verify(msg, s.mac) }

// cipherGCM is the GCM constructor used by GMAC signing and GCM sealing.
func cipherGCM(b cipher.Block) (cipher.AEAD, error) { return cipher.NewGCM(b) }
