// Package ntlm implements the client side of NTLMSSP with NTLMv2 responses,
// the AUTHENTICATE MIC and extended session security, MS-NLMP.
package ntlm

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // NTOWF is defined with MD4, MS-NLMP 3.3.2
)

var le = binary.LittleEndian

var signature = []byte("NTLMSSP\x00")

// Negotiate flags, MS-NLMP 2.2.2.5.
const (
	FlagUnicode                 uint32 = 0x00000001
	FlagRequestTarget           uint32 = 0x00000004
	FlagSign                    uint32 = 0x00000010
	FlagSeal                    uint32 = 0x00000020
	FlagNTLM                    uint32 = 0x00000200
	FlagAnonymous               uint32 = 0x00000800
	FlagAlwaysSign              uint32 = 0x00008000
	FlagExtendedSessionSecurity uint32 = 0x00080000
	FlagTargetInfo              uint32 = 0x00800000
	FlagVersion                 uint32 = 0x02000000
	Flag128                     uint32 = 0x20000000
	FlagKeyExch                 uint32 = 0x40000000
	Flag56                      uint32 = 0x80000000
)

// AV_PAIR ids, MS-NLMP 2.2.2.1.
const (
	avEOL       = 0
	avFlags     = 6
	avTimestamp = 7
	avTarget    = 9
)

// Error is a malformed or unacceptable server message.
type Error struct{ Reason string }

func (e *Error) Error() string { return "ntlm: " + e.Reason }

// Client is one NTLMSSP exchange. Rand and Now may be replaced for
// known-answer tests.
type Client struct {
	User, Password, Domain, Workstation string
	Rand                                func(b []byte) // fills b; crypto/rand by default
	Now                                 func() time.Time

	negotiate, challenge []byte
	flags                uint32
	exportedKey          []byte
	clientSignKey        []byte
	serverSignKey        []byte
	clientSeal           *rc4.Cipher
	authMsg              []byte
	micSent              bool
	serverSeal           *rc4.Cipher
}

const defaultFlags = FlagUnicode | FlagRequestTarget | FlagSign | FlagSeal | FlagNTLM | FlagAlwaysSign |
	FlagExtendedSessionSecurity | FlagTargetInfo | FlagVersion | Flag128 | FlagKeyExch | Flag56

// version is the VERSION field, MS-NLMP 2.2.2.10: 10.0.20348, NTLM rev 15.
var version = []byte{10, 0, 0x7c, 0x4f, 0, 0, 0, 15}

// Negotiate returns the NEGOTIATE_MESSAGE, MS-NLMP 2.2.1.1.
func (c *Client) Negotiate() []byte {
	b := append([]byte(nil), signature...)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, defaultFlags)
	b = append(b, make([]byte, 16)...) // DomainNameFields, WorkstationFields
	b = append(b, version...)
	c.negotiate = b
	return b
}

func (c *Client) random(b []byte) {
	if c.Rand != nil {
		c.Rand(b)
		return
	}
	_, _ = rand.Read(b)
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, v := range u {
		le.PutUint16(b[2*i:], v)
	}
	return b
}

func hmacMD5(key []byte, parts ...[]byte) []byte {
	h := hmac.New(md5.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// NTOWFv2, MS-NLMP 3.3.2.
func NTOWFv2(password, user, domain string) []byte {
	h := md4.New()
	h.Write(utf16le(password))
	return hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(user)+domain))
}

// field reads an 8-byte security buffer descriptor at off.
func field(msg []byte, off int, what string) ([]byte, error) {
	if off+8 > len(msg) {
		return nil, &Error{what + " descriptor past end"}
	}
	n := int(le.Uint16(msg[off:]))
	o := int(le.Uint32(msg[off+4:]))
	if n == 0 {
		return nil, nil
	}
	if o < 0 || o > len(msg) || n > len(msg)-o {
		return nil, &Error{fmt.Sprintf("%s: offset %d length %d past %d bytes", what, o, n, len(msg))}
	}
	return msg[o : o+n], nil
}

// Challenge is a parsed CHALLENGE_MESSAGE, MS-NLMP 2.2.1.2.
type Challenge struct {
	Flags           uint32
	ServerChallenge [8]byte
	TargetName      []byte
	TargetInfo      []byte
}

// ParseChallenge decodes and checks a CHALLENGE_MESSAGE.
func ParseChallenge(msg []byte) (*Challenge, error) {
	if len(msg) < 32 {
		return nil, &Error{fmt.Sprintf("CHALLENGE_MESSAGE of %d bytes", len(msg))}
	}
	if !bytes.Equal(msg[:8], signature) || le.Uint32(msg[8:]) != 2 {
		return nil, &Error{"not a CHALLENGE_MESSAGE"}
	}
	ch := &Challenge{Flags: le.Uint32(msg[20:])}
	copy(ch.ServerChallenge[:], msg[24:32])
	var err error
	if ch.TargetName, err = field(msg, 12, "TargetName"); err != nil {
		return nil, err
	}
	if len(msg) >= 48 {
		if ch.TargetInfo, err = field(msg, 40, "TargetInfo"); err != nil {
			return nil, err
		}
	}
	if _, err := parseAV(ch.TargetInfo); err != nil {
		return nil, err
	}
	return ch, nil
}

type avPair struct {
	id  uint16
	val []byte
}

func parseAV(b []byte) ([]avPair, error) {
	var out []avPair
	for len(b) > 0 {
		if len(out) > 64 || len(b) < 4 {
			return nil, &Error{"AV_PAIR list malformed"}
		}
		id, n := le.Uint16(b), int(le.Uint16(b[2:]))
		if 4+n > len(b) {
			return nil, &Error{fmt.Sprintf("AV_PAIR %d of %d bytes past end", id, n)}
		}
		if id == avEOL {
			return out, nil
		}
		out = append(out, avPair{id, b[4 : 4+n]})
		b = b[4+n:]
	}
	return out, nil
}

// Authenticate answers the server's CHALLENGE_MESSAGE with an
// AUTHENTICATE_MESSAGE, MS-NLMP 3.1.5.1.2 and 3.3.2.
func (c *Client) Authenticate(challenge []byte) ([]byte, error) {
	if c.negotiate == nil {
		return nil, errors.New("ntlm: Authenticate before Negotiate")
	}
	ch, err := ParseChallenge(challenge)
	if err != nil {
		return nil, err
	}
	c.challenge = challenge
	c.flags = ch.Flags & defaultFlags
	if c.flags&FlagExtendedSessionSecurity == 0 {
		return nil, &Error{"server does not offer extended session security (NTLMv1-only servers are refused)"}
	}
	anonymous := c.User == "" && c.Password == ""

	var lm, nt, encKey []byte
	pairs, _ := parseAV(ch.TargetInfo)
	if anonymous {
		c.flags |= FlagAnonymous
		c.flags &^= FlagKeyExch | FlagSign | FlagSeal
		lm = []byte{0}
		c.exportedKey = nil // no session key: the session cannot sign
	} else {
		var ts []byte
		for _, p := range pairs {
			if p.id == avTimestamp && len(p.val) == 8 {
				ts = p.val
			}
		}
		haveTS := ts != nil
		if !haveTS {
			now := time.Now
			if c.Now != nil {
				now = c.Now
			}
			// FILETIME from seconds: UnixNano overflows outside 1678-2262.
			t := now()
			ts = le.AppendUint64(nil, uint64(t.Unix()+11644473600)*1e7+uint64(t.Nanosecond()/100))
		}
		// Our AV pairs: the server's, plus MsvAvFlags with the MIC bit when
		// we send a MIC (only when the server gave a timestamp).
		var av []byte
		for _, p := range pairs {
			if p.id == avFlags {
				continue
			}
			av = le.AppendUint16(av, p.id)
			av = le.AppendUint16(av, uint16(len(p.val)))
			av = append(av, p.val...)
		}
		if haveTS {
			av = le.AppendUint16(av, avFlags)
			av = le.AppendUint16(av, 4)
			av = le.AppendUint32(av, 0x2)
		}
		av = append(av, 0, 0, 0, 0)

		cc := make([]byte, 8)
		c.random(cc)
		key := NTOWFv2(c.Password, c.User, c.Domain)
		temp := []byte{1, 1, 0, 0, 0, 0, 0, 0}
		temp = append(temp, ts...)
		temp = append(temp, cc...)
		temp = append(temp, 0, 0, 0, 0)
		temp = append(temp, av...)
		temp = append(temp, 0, 0, 0, 0)
		proof := hmacMD5(key, ch.ServerChallenge[:], temp)
		nt = append(proof, temp...)
		if haveTS {
			lm = make([]byte, 24)
		} else {
			lm = append(hmacMD5(key, ch.ServerChallenge[:], cc), cc...)
		}
		sessionBase := hmacMD5(key, proof)
		keyExch := sessionBase
		if c.flags&FlagKeyExch != 0 {
			c.exportedKey = make([]byte, 16)
			c.random(c.exportedKey)
			r, _ := rc4.NewCipher(keyExch)
			encKey = make([]byte, 16)
			r.XORKeyStream(encKey, c.exportedKey)
		} else {
			c.exportedKey = keyExch
		}
		defer func() { c.mic(haveTS) }()
	}
	c.deriveKeys()

	domain, user, ws := utf16le(c.Domain), utf16le(c.User), utf16le(c.Workstation)
	const fixed = 88
	payload := [][]byte{lm, nt, domain, user, ws, encKey}
	msg := append([]byte(nil), signature...)
	msg = le.AppendUint32(msg, 3)
	off := fixed
	for _, p := range payload[:5] {
		msg = le.AppendUint16(msg, uint16(len(p)))
		msg = le.AppendUint16(msg, uint16(len(p)))
		msg = le.AppendUint32(msg, uint32(off))
		off += len(p)
	}
	msg = le.AppendUint16(msg, uint16(len(encKey)))
	msg = le.AppendUint16(msg, uint16(len(encKey)))
	msg = le.AppendUint32(msg, uint32(off))
	msg = le.AppendUint32(msg, c.flags)
	msg = append(msg, version...)
	msg = append(msg, make([]byte, 16)...) // MIC, filled by mic()
	for _, p := range payload {
		msg = append(msg, p...)
	}
	c.authMsg = msg
	return msg, nil
}

// computes the MIC over the three messages, MS-NLMP 3.1.5.1.2.
func (c *Client) mic(enabled bool) {
	if !enabled {
		return
	}
	m := hmacMD5(c.exportedKey, c.negotiate, c.challenge, c.authMsg)
	copy(c.authMsg[72:88], m)
	c.micSent = true
}

// MICSent reports whether AUTHENTICATE carried a MIC. Only then does the
// server expect SPNEGO's mechListMIC (MS-SPNG 3.1.5.1): an anonymous or
// MIC-less exchange has no key to protect the mechanism list with.
func (c *Client) MICSent() bool { return c.micSent }

// SessionKey is the ExportedSessionKey, the SMB2 session key.
func (c *Client) SessionKey() []byte { return c.exportedKey }

func (c *Client) deriveKeys() {
	if c.exportedKey == nil {
		return
	}
	md := func(k []byte, magic string) []byte {
		h := md5.New()
		h.Write(k)
		h.Write([]byte(magic))
		return h.Sum(nil)
	}
	c.clientSignKey = md(c.exportedKey, "session key to client-to-server signing key magic constant\x00")
	c.serverSignKey = md(c.exportedKey, "session key to server-to-client signing key magic constant\x00")
	cs, _ := rc4.NewCipher(md(c.exportedKey, "session key to client-to-server sealing key magic constant\x00"))
	ss, _ := rc4.NewCipher(md(c.exportedKey, "session key to server-to-client sealing key magic constant\x00"))
	c.clientSeal, c.serverSeal = cs, ss
}

// mac is the NTLMSSP_MESSAGE_SIGNATURE with extended session security,
// MS-NLMP 3.4.4.2, sequence number 0 (SPNEGO's mechListMIC is the first
// message signed in each direction).
func mac(signKey []byte, seal *rc4.Cipher, keyExch bool, data []byte) []byte {
	seq := []byte{0, 0, 0, 0}
	sum := hmacMD5(signKey, seq, data)[:8]
	if keyExch {
		seal.XORKeyStream(sum, sum)
	}
	out := []byte{1, 0, 0, 0}
	out = append(out, sum...)
	return append(out, seq...)
}

// Sign returns the client's signature over data (SPNEGO mechListMIC).
func (c *Client) Sign(data []byte) []byte {
	if c.clientSeal == nil {
		return nil
	}
	return mac(c.clientSignKey, c.clientSeal, c.flags&FlagKeyExch != 0, data)
}

// VerifyServer checks a signature the server made over data.
func (c *Client) VerifyServer(data, sig []byte) error {
	if c.serverSeal == nil {
		return &Error{"no session key to verify the server's mechListMIC"}
	}
	want := mac(c.serverSignKey, c.serverSeal, c.flags&FlagKeyExch != 0, data)
	if subtle.ConstantTimeCompare(want, sig) != 1 {
		return &Error{"server's mechListMIC does not verify"}
	}
	return nil
}
