package smbcrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
)

// CMAC computes AES-CMAC (NIST SP 800-38B, RFC 4493) of msg.
type CMAC struct {
	c      cipher.Block
	k1, k2 [16]byte
}

// NewCMAC prepares AES-CMAC with key (16 or 32 bytes).
func NewCMAC(key []byte) (*CMAC, error) {
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	m := &CMAC{c: c}
	var l [16]byte
	c.Encrypt(l[:], l[:])
	m.k1 = dbl(l)
	m.k2 = dbl(m.k1)
	return m, nil
}

// dbl doubles in GF(2^128), RFC 4493 2.3.
func dbl(in [16]byte) [16]byte {
	var out [16]byte
	carry := in[0] >> 7
	for i := 0; i < 15; i++ {
		out[i] = in[i]<<1 | in[i+1]>>7
	}
	out[15] = in[15] << 1
	out[15] ^= byte(subtle.ConstantTimeByteEq(carry, 1)) * 0x87
	return out
}

// Sum returns the 16-byte tag of msg. It allocates nothing and is safe for
// concurrent use.
func (m *CMAC) Sum(msg []byte) [16]byte {
	var x [16]byte
	n := len(msg)
	full := n > 0 && n%16 == 0
	blocks := (n + 15) / 16
	if blocks == 0 {
		blocks = 1
	}
	for i := 0; i < blocks-1; i++ {
		subtle.XORBytes(x[:], x[:], msg[16*i:16*i+16])
		m.c.Encrypt(x[:], x[:])
	}
	var last [16]byte
	rest := msg[16*(blocks-1):]
	if full {
		subtle.XORBytes(last[:], rest, m.k1[:])
	} else {
		copy(last[:], rest)
		last[len(rest)] = 0x80
		subtle.XORBytes(last[:], last[:], m.k2[:])
	}
	subtle.XORBytes(x[:], x[:], last[:])
	m.c.Encrypt(x[:], x[:])
	return x
}
