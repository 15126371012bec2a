// Package smbcrypto implements SMB2/SMB3 message security: the SP800-108
// key derivation, signing (HMAC-SHA256, AES-CMAC, AES-GMAC) and sealing
// (AES-CCM, AES-GCM) of MS-SMB2 3.1.4, and the preauth integrity hash.
package smbcrypto

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"

	"github.com/gosmb/gosmb/smb/wire"
)

// KDF is SP800-108 in counter mode with HMAC-SHA256, r=32, one or two
// iterations, as MS-SMB2 3.1.4.2 specifies: K(i) = HMAC(key, i || label ||
// 0x00 || context || L).
func KDF(key, label, context []byte, lengthBits int) []byte {
	out := make([]byte, 0, (lengthBits+255)/256*32)
	for i := uint32(1); len(out)*8 < lengthBits; i++ {
		m := hmac.New(sha256.New, key)
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], i)
		m.Write(n[:])
		m.Write(label)
		m.Write([]byte{0})
		m.Write(context)
		binary.BigEndian.PutUint32(n[:], uint32(lengthBits))
		m.Write(n[:])
		out = m.Sum(out)
	}
	return out[:lengthBits/8]
}

// Keys are a session's derived keys, MS-SMB2 3.2.5.3.1.
type Keys struct {
	Signing     []byte
	Encryption  []byte // client to server
	Decryption  []byte // server to client
	Application []byte
}

// DeriveKeys derives a session's keys from its session key. preauthHash is
// used only for 3.1.1.
func DeriveKeys(d wire.Dialect, c wire.Cipher, sessionKey, preauthHash []byte) Keys {
	if !d.Is3() {
		k := make([]byte, 16)
		copy(k, sessionKey)
		return Keys{Signing: k}
	}
	// The KDF key is the first 16 bytes of the session key, except for
	// AES-256 ciphers on 3.1.1, which use the full session key.
	key := sessionKey
	encBits := 128
	if d == wire.SMB311 && c.KeySize() == 32 {
		encBits = 256
	} else if len(key) > 16 {
		key = key[:16]
	}
	if len(key) < 16 {
		k := make([]byte, 16)
		copy(k, key)
		key = k
	}
	sigKey := key
	if len(sigKey) > 16 {
		sigKey = sigKey[:16]
	}
	if d == wire.SMB311 {
		return Keys{
			Signing:     KDF(sigKey, []byte("SMBSigningKey\x00"), preauthHash, 128),
			Encryption:  KDF(key, []byte("SMBC2SCipherKey\x00"), preauthHash, encBits),
			Decryption:  KDF(key, []byte("SMBS2CCipherKey\x00"), preauthHash, encBits),
			Application: KDF(sigKey, []byte("SMBAppKey\x00"), preauthHash, 128),
		}
	}
	return Keys{
		Signing:     KDF(key, []byte("SMB2AESCMAC\x00"), []byte("SmbSign\x00"), 128),
		Encryption:  KDF(key, []byte("SMB2AESCCM\x00"), []byte("ServerIn \x00"), 128),
		Decryption:  KDF(key, []byte("SMB2AESCCM\x00"), []byte("ServerOut\x00"), 128),
		Application: KDF(key, []byte("SMB2APP\x00"), []byte("SmbRpc\x00"), 128),
	}
}

// PreauthHash is the 3.1.1 preauth integrity hash, MS-SMB2 3.2.5.2:
// H = SHA-512(H || message), starting from zeros.
type PreauthHash [64]byte

// Update folds one message into the hash.
func (h *PreauthHash) Update(msg []byte) {
	d := sha512.New()
	d.Write(h[:])
	d.Write(msg)
	d.Sum(h[:0])
}
