package smbcrypto

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
)

// ccm is AES-CCM (NIST SP 800-38C, RFC 3610) as a cipher.AEAD. SMB uses an
// 11-byte nonce (so a 4-byte length field) and a 16-byte tag.
type ccm struct {
	b         cipher.Block
	nonceSize int
	tagSize   int
}

// NewCCM returns CCM over a 16-byte block cipher.
func NewCCM(b cipher.Block, nonceSize, tagSize int) (cipher.AEAD, error) {
	if b.BlockSize() != 16 || nonceSize < 7 || nonceSize > 13 || tagSize < 4 || tagSize > 16 || tagSize%2 != 0 {
		return nil, errors.New("smbcrypto: invalid CCM parameters")
	}
	return &ccm{b: b, nonceSize: nonceSize, tagSize: tagSize}, nil
}

func (c *ccm) NonceSize() int { return c.nonceSize }
func (c *ccm) Overhead() int  { return c.tagSize }

func (c *ccm) lenSize() int { return 15 - c.nonceSize }

// mac computes CBC-MAC over B0 || encoded AAD || plaintext.
func (c *ccm) mac(nonce, plaintext, aad []byte) [16]byte {
	var x [16]byte
	flags := byte((c.tagSize-2)/2) << 3
	flags |= byte(c.lenSize() - 1)
	if len(aad) > 0 {
		flags |= 0x40
	}
	x[0] = flags
	copy(x[1:], nonce)
	putLen(x[1+c.nonceSize:], uint64(len(plaintext)))
	c.b.Encrypt(x[:], x[:])

	if len(aad) > 0 {
		var blk [16]byte
		var hdr []byte
		switch {
		case len(aad) < 0xFF00:
			hdr = binary.BigEndian.AppendUint16(nil, uint16(len(aad)))
		default:
			hdr = append([]byte{0xFF, 0xFE}, binary.BigEndian.AppendUint32(nil, uint32(len(aad)))...)
		}
		n := copy(blk[:], hdr)
		rest := aad
		k := copy(blk[n:], rest)
		rest = rest[k:]
		subtle.XORBytes(x[:], x[:], blk[:])
		c.b.Encrypt(x[:], x[:])
		for len(rest) > 0 {
			blk = [16]byte{}
			k = copy(blk[:], rest)
			rest = rest[k:]
			subtle.XORBytes(x[:], x[:], blk[:])
			c.b.Encrypt(x[:], x[:])
		}
	}
	for p := plaintext; len(p) > 0; {
		if len(p) >= 16 {
			subtle.XORBytes(x[:], x[:], p[:16])
			p = p[16:]
		} else {
			var blk [16]byte
			copy(blk[:], p)
			subtle.XORBytes(x[:], x[:], blk[:])
			p = nil
		}
		c.b.Encrypt(x[:], x[:])
	}
	return x
}

func putLen(b []byte, n uint64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(n)
		n >>= 8
	}
}

// ctr XORs src into dst with counter blocks starting at counter 1; counter
// 0's keystream (for the tag) is returned.
func (c *ccm) ctr(dst, src, nonce []byte) [16]byte {
	var a [16]byte
	a[0] = byte(c.lenSize() - 1)
	copy(a[1:], nonce)
	var s0 [16]byte
	c.b.Encrypt(s0[:], a[:])
	var ks [16]byte
	ctrPos := 1 + c.nonceSize
	for i := uint64(1); len(src) > 0; i++ {
		putLen(a[ctrPos:], i)
		c.b.Encrypt(ks[:], a[:])
		n := subtle.XORBytes(dst, src, ks[:])
		dst, src = dst[n:], src[n:]
	}
	return s0
}

func (c *ccm) Seal(dst, nonce, plaintext, aad []byte) []byte {
	if len(nonce) != c.nonceSize {
		panic("smbcrypto: CCM nonce size")
	}
	tag := c.mac(nonce, plaintext, aad)
	ret, out := sliceForAppend(dst, len(plaintext)+c.tagSize)
	s0 := c.ctr(out, plaintext, nonce)
	subtle.XORBytes(out[len(plaintext):], tag[:c.tagSize], s0[:c.tagSize])
	return ret
}

var errOpen = errors.New("smbcrypto: message authentication failed")

func (c *ccm) Open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(nonce) != c.nonceSize || len(ciphertext) < c.tagSize {
		return nil, errOpen
	}
	n := len(ciphertext) - c.tagSize
	ret, out := sliceForAppend(dst, n)
	s0 := c.ctr(out, ciphertext[:n], nonce)
	tag := c.mac(nonce, out, aad)
	var want [16]byte
	subtle.XORBytes(want[:c.tagSize], tag[:c.tagSize], s0[:c.tagSize])
	if subtle.ConstantTimeCompare(want[:c.tagSize], ciphertext[n:]) != 1 {
		clear(out)
		return nil, errOpen
	}
	return ret, nil
}

func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	return head, head[len(in):]
}
