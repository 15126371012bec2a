// Package spnego encodes and decodes the SPNEGO tokens (RFC 4178, MS-SPNG)
// that carry a mechanism's tokens in SMB2 SESSION_SETUP, with a small
// hand-written DER codec: every length from the server is bounds-checked.
package spnego

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// OID is a DER-encoded object identifier body (without tag and length).
type OID []byte

func (o OID) Equal(p OID) bool { return bytes.Equal(o, p) }

func (o OID) String() string {
	if len(o) == 0 {
		return ""
	}
	parts := []string{strconv.Itoa(int(o[0]) / 40), strconv.Itoa(int(o[0]) % 40)}
	v := 0
	for _, b := range o[1:] {
		v = v<<7 | int(b&0x7F)
		if b&0x80 == 0 {
			parts = append(parts, strconv.Itoa(v))
			v = 0
		}
	}
	return strings.Join(parts, ".")
}

var (
	// OIDSPNEGO is 1.3.6.1.5.5.2.
	OIDSPNEGO = OID{0x2b, 0x06, 0x01, 0x05, 0x05, 0x02}
	// OIDNTLMSSP is 1.3.6.1.4.1.311.2.2.10.
	OIDNTLMSSP = OID{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a}
	// OIDKerberos is 1.2.840.113554.1.2.2; OIDMSKerberos 1.2.840.48018.1.2.2.
	OIDKerberos   = OID{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02}
	OIDMSKerberos = OID{0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02}
)

// NegState values, RFC 4178 4.2.2.
type NegState int

const (
	AcceptCompleted  NegState = 0
	AcceptIncomplete NegState = 1
	Reject           NegState = 2
	RequestMIC       NegState = 3
	NoState          NegState = -1
)

var ErrRejected = errors.New("spnego: server rejected the authentication")

// Error is a malformed token from the server.
type Error struct{ Reason string }

func (e *Error) Error() string { return "spnego: malformed token: " + e.Reason }

func tlv(tag byte, body []byte) []byte {
	b := []byte{tag}
	n := len(body)
	switch {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 0x100:
		b = append(b, 0x81, byte(n))
	case n < 0x10000:
		b = append(b, 0x82, byte(n>>8), byte(n))
	default:
		b = append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, body...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// EncodeMechTypes is the DER MechTypeList, the input of mechListMIC.
func EncodeMechTypes(mechs []OID) []byte {
	var body []byte
	for _, m := range mechs {
		body = append(body, tlv(0x06, m)...)
	}
	return tlv(0x30, body)
}

// EncodeInit builds the client's first token: an InitialContextToken with
// a NegTokenInit carrying mechTypes and the first mechanism token.
func EncodeInit(mechs []OID, mechToken []byte) []byte {
	init := tlv(0x30, cat(tlv(0xa0, EncodeMechTypes(mechs)), tlv(0xa2, tlv(0x04, mechToken))))
	return tlv(0x60, cat(tlv(0x06, OIDSPNEGO), tlv(0xa0, init)))
}

// EncodeResp builds a NegTokenResp with a response token and optional MIC.
func EncodeResp(token, mic []byte) []byte {
	var body []byte
	if token != nil {
		body = append(body, tlv(0xa2, tlv(0x04, token))...)
	}
	if mic != nil {
		body = append(body, tlv(0xa3, tlv(0x04, mic))...)
	}
	return tlv(0xa1, tlv(0x30, body))
}

// readTLV splits one DER element off b.
func readTLV(b []byte) (tag byte, body, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, &Error{"element shorter than 2 bytes"}
	}
	tag = b[0]
	n := int(b[1])
	p := 2
	if n&0x80 != 0 {
		k := n & 0x7F
		if k == 0 || k > 3 || len(b) < 2+k {
			return 0, nil, nil, &Error{fmt.Sprintf("bad length of length %d", k)}
		}
		n = 0
		for i := 0; i < k; i++ {
			n = n<<8 | int(b[2+i])
		}
		p += k
	}
	if n > len(b)-p {
		return 0, nil, nil, &Error{fmt.Sprintf("element of %d bytes past end (%d left)", n, len(b)-p)}
	}
	return tag, b[p : p+n], b[p+n:], nil
}

func expect(b []byte, want byte, what string) (body, rest []byte, err error) {
	tag, body, rest, err := readTLV(b)
	if err != nil {
		return nil, nil, err
	}
	if tag != want {
		return nil, nil, &Error{fmt.Sprintf("%s: tag 0x%02x, want 0x%02x", what, tag, want)}
	}
	return body, rest, nil
}

// Resp is a decoded NegTokenResp.
type Resp struct {
	State         NegState
	SupportedMech OID
	ResponseToken []byte
	MechListMIC   []byte
}

// ParseResp decodes a server NegTokenResp (the [1] choice).
func ParseResp(b []byte) (*Resp, error) {
	body, _, err := expect(b, 0xa1, "NegotiationToken")
	if err != nil {
		return nil, err
	}
	seq, _, err := expect(body, 0x30, "NegTokenResp")
	if err != nil {
		return nil, err
	}
	r := &Resp{State: NoState}
	for len(seq) > 0 {
		tag, field, rest, err := readTLV(seq)
		if err != nil {
			return nil, err
		}
		seq = rest
		switch tag {
		case 0xa0:
			v, _, err := expect(field, 0x0a, "negState")
			if err != nil {
				return nil, err
			}
			if len(v) != 1 {
				return nil, &Error{"negState is not one byte"}
			}
			r.State = NegState(v[0])
		case 0xa1:
			if r.SupportedMech, _, err = expect(field, 0x06, "supportedMech"); err != nil {
				return nil, err
			}
		case 0xa2:
			if r.ResponseToken, _, err = expect(field, 0x04, "responseToken"); err != nil {
				return nil, err
			}
		case 0xa3:
			if r.MechListMIC, _, err = expect(field, 0x04, "mechListMIC"); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// ParseInit decodes the server's NegTokenInit (the NEGOTIATE response's
// security buffer) and returns the mechanisms it offers.
func ParseInit(b []byte) ([]OID, error) {
	body, _, err := expect(b, 0x60, "InitialContextToken")
	if err != nil {
		return nil, err
	}
	oid, rest, err := expect(body, 0x06, "thisMech")
	if err != nil {
		return nil, err
	}
	if !OID(oid).Equal(OIDSPNEGO) {
		return nil, &Error{"not SPNEGO: " + OID(oid).String()}
	}
	init, _, err := expect(rest, 0xa0, "negTokenInit")
	if err != nil {
		return nil, err
	}
	seq, _, err := expect(init, 0x30, "NegTokenInit")
	if err != nil {
		return nil, err
	}
	var mechs []OID
	for len(seq) > 0 {
		tag, field, r, err := readTLV(seq)
		if err != nil {
			return nil, err
		}
		seq = r
		if tag != 0xa0 {
			continue
		}
		list, _, err := expect(field, 0x30, "mechTypes")
		if err != nil {
			return nil, err
		}
		for len(list) > 0 && len(mechs) < 32 {
			o, r, err := expect(list, 0x06, "MechType")
			if err != nil {
				return nil, err
			}
			mechs = append(mechs, OID(o))
			list = r
		}
	}
	return mechs, nil
}
