package wire

import (
	"github.com/gosmb/gosmb/smb/internal/utf16le"
)

// SecurityMode bits, MS-SMB2 2.2.3.
const (
	NegotiateSigningEnabled  uint16 = 0x0001
	NegotiateSigningRequired uint16 = 0x0002
)

// Global capabilities, MS-SMB2 2.2.3.
const (
	CapDFS               uint32 = 0x00000001
	CapLeasing           uint32 = 0x00000002
	CapLargeMTU          uint32 = 0x00000004
	CapMultiChannel      uint32 = 0x00000008
	CapPersistentHandles uint32 = 0x00000010
	CapDirectoryLeasing  uint32 = 0x00000020
	CapEncryption        uint32 = 0x00000040
	CapNotifications     uint32 = 0x00000080
)

// NegContextType, MS-SMB2 2.2.3.1.
type NegContextType uint16

const (
	CtxPreauthIntegrity NegContextType = 0x0001
	CtxEncryption       NegContextType = 0x0002
	CtxCompression      NegContextType = 0x0003
	CtxNetname          NegContextType = 0x0005
	CtxTransport        NegContextType = 0x0006
	CtxRDMATransform    NegContextType = 0x0007
	CtxSigning          NegContextType = 0x0008
	CtxPOSIX            NegContextType = 0x0100
)

// NegContext is one negotiate context, MS-SMB2 2.2.3.1: ContextType(2)
// DataLength(2) Reserved(4) Data, each 8-byte aligned in the list.
type NegContext struct {
	Type NegContextType
	Data []byte
}

// maxNegContexts bounds the contexts we accept from a server.
const maxNegContexts = 64

func appendNegContexts(b []byte, ctxs []NegContext) []byte {
	for i, c := range ctxs {
		if i > 0 {
			b = pad8(b)
		}
		b = le.AppendUint16(b, uint16(c.Type))
		b = le.AppendUint16(b, uint16(len(c.Data)))
		b = le.AppendUint32(b, 0)
		b = append(b, c.Data...)
	}
	return b
}

func negContextsLen(start int, ctxs []NegContext) int {
	n := start
	for i, c := range ctxs {
		if i > 0 {
			n = (n + 7) &^ 7
		}
		n += 8 + len(c.Data)
	}
	return n - start
}

func parseNegContexts(msg []byte, off uint32, count uint16, s string) ([]NegContext, error) {
	if count == 0 {
		return nil, nil
	}
	if count > maxNegContexts {
		return nil, errField(s, "NegotiateContextCount", "%d exceeds %d", count, maxNegContexts)
	}
	if off%8 != 0 || uint64(off) > uint64(len(msg)) {
		return nil, errField(s, "NegotiateContextOffset", "%d invalid for a %d-byte message", off, len(msg))
	}
	out := make([]NegContext, 0, count)
	pos := int(off)
	for i := 0; i < int(count); i++ {
		if i > 0 {
			pos = (pos + 7) &^ 7
		}
		if pos+8 > len(msg) {
			return nil, errField(s, "NegotiateContextList", "context %d header past end", i)
		}
		t := NegContextType(le.Uint16(msg[pos:]))
		n := int(le.Uint16(msg[pos+2:]))
		if pos+8+n > len(msg) {
			return nil, errField(s, "NegotiateContextList", "context %d data (%d bytes) past end", i, n)
		}
		out = append(out, NegContext{Type: t, Data: msg[pos+8 : pos+8+n]})
		pos += 8 + n
	}
	return out, nil
}

// NegotiateRequest, MS-SMB2 2.2.3. Fixed part 36 bytes.
type NegotiateRequest struct {
	SecurityMode uint16
	Capabilities uint32
	ClientGUID   [16]byte
	Dialects     []Dialect
	Contexts     []NegContext // sent only when Dialects include SMB311
}

func (r *NegotiateRequest) has311() bool {
	for _, d := range r.Dialects {
		if d == SMB311 {
			return true
		}
	}
	return false
}

func (r *NegotiateRequest) Length() int {
	n := 36 + 2*len(r.Dialects)
	if r.has311() && len(r.Contexts) > 0 {
		start := (HeaderSize + n + 7) &^ 7
		n = start - HeaderSize + negContextsLen(start, r.Contexts)
	}
	return n
}

func (r *NegotiateRequest) Append(b []byte) []byte {
	base := len(b) - HeaderSize
	ctxs := r.has311() && len(r.Contexts) > 0
	b = le.AppendUint16(b, 36)
	b = le.AppendUint16(b, uint16(len(r.Dialects)))
	b = le.AppendUint16(b, r.SecurityMode)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, r.Capabilities)
	b = append(b, r.ClientGUID[:]...)
	offPos := len(b)
	b = le.AppendUint32(b, 0) // NegotiateContextOffset, patched below
	if ctxs {
		b = le.AppendUint16(b, uint16(len(r.Contexts)))
	} else {
		b = le.AppendUint16(b, 0)
	}
	b = le.AppendUint16(b, 0)
	for _, d := range r.Dialects {
		b = le.AppendUint16(b, uint16(d))
	}
	if ctxs {
		b = pad8(b)
		le.PutUint32(b[offPos:], uint32(len(b)-base))
		b = appendNegContexts(b, r.Contexts)
	}
	return b
}

// ParseNegotiateRequest decodes a NEGOTIATE request (for tests and the
// scripted server).
func ParseNegotiateRequest(msg []byte) (*NegotiateRequest, error) {
	const s = "NEGOTIATE request"
	if err := checkSize(msg, 36, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+36 {
		return nil, errShort(s, HeaderSize+36, len(msg))
	}
	p := msg[HeaderSize:]
	n := int(le.Uint16(p[2:]))
	r := &NegotiateRequest{SecurityMode: le.Uint16(p[4:]), Capabilities: le.Uint32(p[8:])}
	copy(r.ClientGUID[:], p[12:28])
	if HeaderSize+36+2*n > len(msg) {
		return nil, errField(s, "DialectCount", "%d dialects past end", n)
	}
	for i := 0; i < n; i++ {
		r.Dialects = append(r.Dialects, Dialect(le.Uint16(p[36+2*i:])))
	}
	if r.has311() {
		ctxs, err := parseNegContexts(msg, le.Uint32(p[28:]), le.Uint16(p[32:]), s)
		if err != nil {
			return nil, err
		}
		r.Contexts = ctxs
	}
	return r, nil
}

// NegotiateResponse, MS-SMB2 2.2.4. Fixed part 64 bytes.
type NegotiateResponse struct {
	SecurityMode    uint16
	Dialect         Dialect
	ServerGUID      [16]byte
	Capabilities    uint32
	MaxTransactSize uint32
	MaxReadSize     uint32
	MaxWriteSize    uint32
	SystemTime      uint64
	ServerStartTime uint64
	SecurityBuffer  []byte
	Contexts        []NegContext // 3.1.1 only
}

func (r *NegotiateResponse) Length() int {
	n := 64 + len(r.SecurityBuffer)
	if r.Dialect == SMB311 && len(r.Contexts) > 0 {
		start := (HeaderSize + n + 7) &^ 7
		n = start - HeaderSize + negContextsLen(start, r.Contexts)
	}
	return n
}

func (r *NegotiateResponse) Append(b []byte) []byte {
	base := len(b) - HeaderSize
	b = le.AppendUint16(b, 65)
	b = le.AppendUint16(b, r.SecurityMode)
	b = le.AppendUint16(b, uint16(r.Dialect))
	ctxs := r.Dialect == SMB311 && len(r.Contexts) > 0
	if ctxs {
		b = le.AppendUint16(b, uint16(len(r.Contexts)))
	} else {
		b = le.AppendUint16(b, 0)
	}
	b = append(b, r.ServerGUID[:]...)
	b = le.AppendUint32(b, r.Capabilities)
	b = le.AppendUint32(b, r.MaxTransactSize)
	b = le.AppendUint32(b, r.MaxReadSize)
	b = le.AppendUint32(b, r.MaxWriteSize)
	b = le.AppendUint64(b, r.SystemTime)
	b = le.AppendUint64(b, r.ServerStartTime)
	b = le.AppendUint16(b, uint16(HeaderSize+64))
	b = le.AppendUint16(b, uint16(len(r.SecurityBuffer)))
	offPos := len(b)
	b = le.AppendUint32(b, 0)
	b = append(b, r.SecurityBuffer...)
	if ctxs {
		b = pad8(b)
		le.PutUint32(b[offPos:], uint32(len(b)-base))
		b = appendNegContexts(b, r.Contexts)
	}
	return b
}

// Context returns the first context of type t.
func (r *NegotiateResponse) Context(t NegContextType) (NegContext, bool) {
	for _, c := range r.Contexts {
		if c.Type == t {
			return c, true
		}
	}
	return NegContext{}, false
}

// ParseNegotiateResponse decodes a NEGOTIATE response.
func ParseNegotiateResponse(msg []byte) (*NegotiateResponse, error) {
	const s = "NEGOTIATE response"
	if err := checkSize(msg, 65, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+64 {
		return nil, errShort(s, HeaderSize+64, len(msg))
	}
	p := msg[HeaderSize:]
	r := &NegotiateResponse{
		SecurityMode:    le.Uint16(p[2:]),
		Dialect:         Dialect(le.Uint16(p[4:])),
		Capabilities:    le.Uint32(p[24:]),
		MaxTransactSize: le.Uint32(p[28:]),
		MaxReadSize:     le.Uint32(p[32:]),
		MaxWriteSize:    le.Uint32(p[36:]),
		SystemTime:      le.Uint64(p[40:]),
		ServerStartTime: le.Uint64(p[48:]),
	}
	copy(r.ServerGUID[:], p[8:24])
	sec, err := slice(msg, uint32(le.Uint16(p[56:])), uint32(le.Uint16(p[58:])), s, "SecurityBuffer")
	if err != nil {
		return nil, err
	}
	r.SecurityBuffer = sec
	if r.Dialect == SMB311 {
		ctxs, err := parseNegContexts(msg, le.Uint32(p[60:]), le.Uint16(p[6:]), s)
		if err != nil {
			return nil, err
		}
		r.Contexts = ctxs
	}
	return r, nil
}

// PreauthIntegrityCaps, MS-SMB2 2.2.3.1.1.
type PreauthIntegrityCaps struct {
	HashAlgorithms []uint16
	Salt           []byte
}

func (c *PreauthIntegrityCaps) Encode() []byte {
	b := le.AppendUint16(nil, uint16(len(c.HashAlgorithms)))
	b = le.AppendUint16(b, uint16(len(c.Salt)))
	for _, h := range c.HashAlgorithms {
		b = le.AppendUint16(b, h)
	}
	return append(b, c.Salt...)
}

func ParsePreauthIntegrityCaps(d []byte) (*PreauthIntegrityCaps, error) {
	const s = "PREAUTH_INTEGRITY_CAPABILITIES"
	if len(d) < 4 {
		return nil, errShort(s, 4, len(d))
	}
	n, salt := int(le.Uint16(d)), int(le.Uint16(d[2:]))
	if 4+2*n+salt > len(d) {
		return nil, errField(s, "HashAlgorithmCount", "%d algorithms and %d salt bytes past %d", n, salt, len(d))
	}
	c := &PreauthIntegrityCaps{}
	for i := 0; i < n; i++ {
		c.HashAlgorithms = append(c.HashAlgorithms, le.Uint16(d[4+2*i:]))
	}
	c.Salt = d[4+2*n : 4+2*n+salt]
	return c, nil
}

// EncryptionCaps, MS-SMB2 2.2.3.1.2.
type EncryptionCaps struct{ Ciphers []Cipher }

func (c *EncryptionCaps) Encode() []byte {
	b := le.AppendUint16(nil, uint16(len(c.Ciphers)))
	for _, x := range c.Ciphers {
		b = le.AppendUint16(b, uint16(x))
	}
	return b
}

func ParseEncryptionCaps(d []byte) (*EncryptionCaps, error) {
	ids, err := parseIDList(d, 0, "ENCRYPTION_CAPABILITIES")
	if err != nil {
		return nil, err
	}
	c := &EncryptionCaps{}
	for _, id := range ids {
		c.Ciphers = append(c.Ciphers, Cipher(id))
	}
	return c, nil
}

// parseIDList reads a 16-bit count, skip bytes, then count 16-bit ids.
func parseIDList(d []byte, skip int, s string) ([]uint16, error) {
	if len(d) < 2+skip {
		return nil, errShort(s, 2+skip, len(d))
	}
	n := int(le.Uint16(d))
	if 2+skip+2*n > len(d) {
		return nil, errField(s, "Count", "%d ids past %d bytes", n, len(d))
	}
	out := make([]uint16, n)
	for i := range out {
		out[i] = le.Uint16(d[2+skip+2*i:])
	}
	return out, nil
}

// Compression algorithms, MS-SMB2 2.2.3.1.3.
const (
	CompressionNone        uint16 = 0
	CompressionLZNT1       uint16 = 1
	CompressionLZ77        uint16 = 2
	CompressionLZ77Huffman uint16 = 3
	CompressionPatternV1   uint16 = 4
	CompressionLZ4         uint16 = 5

	CompressionCapsFlagChained uint32 = 1
)

// CompressionCaps, MS-SMB2 2.2.3.1.3.
type CompressionCaps struct {
	Flags      uint32
	Algorithms []uint16
}

func (c *CompressionCaps) Encode() []byte {
	b := le.AppendUint16(nil, uint16(len(c.Algorithms)))
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, c.Flags)
	for _, a := range c.Algorithms {
		b = le.AppendUint16(b, a)
	}
	return b
}

func ParseCompressionCaps(d []byte) (*CompressionCaps, error) {
	ids, err := parseIDList(d, 6, "COMPRESSION_CAPABILITIES")
	if err != nil {
		return nil, err
	}
	return &CompressionCaps{Flags: le.Uint32(d[4:]), Algorithms: ids}, nil
}

// NetnameContext, MS-SMB2 2.2.3.1.4: the server name in UTF-16LE.
type NetnameContext struct{ Name string }

func (c *NetnameContext) Encode() []byte { return utf16le.Encode(c.Name) }

func ParseNetnameContext(d []byte) (*NetnameContext, error) {
	n, err := utf16le.Decode(d)
	if err != nil {
		return nil, errField("NETNAME_NEGOTIATE_CONTEXT_ID", "NetName", "%v", err)
	}
	return &NetnameContext{Name: n}, nil
}

// TransportCaps, MS-SMB2 2.2.3.1.5.
type TransportCaps struct{ Flags uint32 }

const TransportAcceptLevelSecurity uint32 = 1

func (c *TransportCaps) Encode() []byte { return le.AppendUint32(nil, c.Flags) }

func ParseTransportCaps(d []byte) (*TransportCaps, error) {
	if len(d) < 4 {
		return nil, errShort("TRANSPORT_CAPABILITIES", 4, len(d))
	}
	return &TransportCaps{Flags: le.Uint32(d)}, nil
}

// RDMATransformCaps, MS-SMB2 2.2.3.1.6: count(2) reserved(2) reserved(4) ids.
type RDMATransformCaps struct{ IDs []uint16 }

func (c *RDMATransformCaps) Encode() []byte {
	b := le.AppendUint16(nil, uint16(len(c.IDs)))
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, 0)
	for _, id := range c.IDs {
		b = le.AppendUint16(b, id)
	}
	return b
}

func ParseRDMATransformCaps(d []byte) (*RDMATransformCaps, error) {
	ids, err := parseIDList(d, 6, "RDMA_TRANSFORM_CAPABILITIES")
	if err != nil {
		return nil, err
	}
	return &RDMATransformCaps{IDs: ids}, nil
}

// SigningCaps, MS-SMB2 2.2.3.1.7.
type SigningCaps struct{ Algorithms []SigningAlg }

func (c *SigningCaps) Encode() []byte {
	b := le.AppendUint16(nil, uint16(len(c.Algorithms)))
	for _, a := range c.Algorithms {
		b = le.AppendUint16(b, uint16(a))
	}
	return b
}

func ParseSigningCaps(d []byte) (*SigningCaps, error) {
	ids, err := parseIDList(d, 0, "SIGNING_CAPABILITIES")
	if err != nil {
		return nil, err
	}
	c := &SigningCaps{}
	for _, id := range ids {
		c.Algorithms = append(c.Algorithms, SigningAlg(id))
	}
	return c, nil
}

// POSIXNegotiateContextGUID is the data of the SMB3.1.1 POSIX extensions
// negotiate context (93AD25509CB411E7B42383DE968BCD7C, as Samba and cifs.ko
// put it on the wire).
var POSIXNegotiateContextGUID = [16]byte{0x93, 0xAD, 0x25, 0x50, 0x9C, 0xB4, 0x11, 0xE7, 0xB4, 0x23, 0x83, 0xDE, 0x96, 0x8B, 0xCD, 0x7C}

// NewPOSIXContext returns the POSIX extensions negotiate context.
func NewPOSIXContext() NegContext {
	return NegContext{Type: CtxPOSIX, Data: POSIXNegotiateContextGUID[:]}
}
