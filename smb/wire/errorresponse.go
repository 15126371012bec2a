package wire

import "github.com/gosmb/gosmb/smb/internal/utf16le"

// ErrorResponse, MS-SMB2 2.2.2: StructureSize(2)=9 ErrorContextCount(1)
// Reserved(1) ByteCount(4) ErrorData.
type ErrorResponse struct {
	ErrorContextCount uint8
	ErrorData         []byte
	Contexts          []ErrorContext // 3.1.1 form (2.2.2.1)
}

// ErrorContext, MS-SMB2 2.2.2.1: ErrorDataLength(4) ErrorId(4) Data, 8-aligned.
type ErrorContext struct {
	ErrorID uint32
	Data    []byte
}

func (r *ErrorResponse) Length() int { return 8 + max(len(r.ErrorData), 1) }

func (r *ErrorResponse) Append(b []byte) []byte {
	b = le.AppendUint16(b, 9)
	b = append(b, r.ErrorContextCount, 0)
	b = le.AppendUint32(b, uint32(len(r.ErrorData)))
	return appendBuffer(b, r.ErrorData)
}

func ParseErrorResponse(msg []byte) (*ErrorResponse, error) {
	const s = "ERROR response"
	if err := checkSize(msg, 9, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+8 {
		return nil, errShort(s, HeaderSize+8, len(msg))
	}
	p := msg[HeaderSize:]
	r := &ErrorResponse{ErrorContextCount: p[2]}
	data, err := slice(msg, HeaderSize+8, le.Uint32(p[4:]), s, "ByteCount")
	if err != nil {
		return nil, err
	}
	r.ErrorData = data
	pos := 0
	for i := 0; i < int(r.ErrorContextCount); i++ {
		pos = (pos + 7) &^ 7
		if pos+8 > len(data) {
			return nil, errField(s, "ErrorContext", "context %d past end", i)
		}
		n := int(le.Uint32(data[pos:]))
		if n > len(data)-pos-8 {
			return nil, errField(s, "ErrorDataLength", "context %d: %d bytes past end", i, n)
		}
		r.Contexts = append(r.Contexts, ErrorContext{ErrorID: le.Uint32(data[pos+4:]), Data: data[pos+8 : pos+8+n]})
		pos += 8 + n
	}
	return r, nil
}

// SymlinkErrorResponse, MS-SMB2 2.2.2.2.1: the reparse target a server
// returns with STATUS_STOPPED_ON_SYMLINK.
type SymlinkErrorResponse struct {
	UnparsedPathLength uint16
	SubstituteName     string
	PrintName          string
	Flags              uint32
}

const SymlinkFlagRelative uint32 = 1

// ParseSymlinkErrorResponse decodes the symlink error data: SymLinkLength(4)
// SymLinkErrorTag(4)='SYML' ReparseTag(4) ReparseDataLength(2)
// UnparsedPathLength(2) SubstituteNameOffset(2) SubstituteNameLength(2)
// PrintNameOffset(2) PrintNameLength(2) Flags(4) PathBuffer.
func ParseSymlinkErrorResponse(d []byte) (*SymlinkErrorResponse, error) {
	const s = "symbolic link error response"
	if len(d) < 28 {
		return nil, errShort(s, 28, len(d))
	}
	if le.Uint32(d[4:]) != 0x4C4D5953 {
		return nil, errField(s, "SymLinkErrorTag", "0x%08x, want 'SYML'", le.Uint32(d[4:]))
	}
	if le.Uint32(d[8:]) != 0xA000000C {
		return nil, errField(s, "ReparseTag", "0x%08x, want IO_REPARSE_TAG_SYMLINK", le.Uint32(d[8:]))
	}
	buf := d[28:]
	get := func(off, n uint16, f string) (string, error) {
		if int(off)+int(n) > len(buf) {
			return "", errField(s, f, "offset %d length %d past %d bytes", off, n, len(buf))
		}
		str, err := utf16le.Decode(buf[off : off+n])
		if err != nil {
			return "", errField(s, f, "%v", err)
		}
		return str, nil
	}
	sub, err := get(le.Uint16(d[16:]), le.Uint16(d[18:]), "SubstituteName")
	if err != nil {
		return nil, err
	}
	pr, err := get(le.Uint16(d[20:]), le.Uint16(d[22:]), "PrintName")
	if err != nil {
		return nil, err
	}
	return &SymlinkErrorResponse{UnparsedPathLength: le.Uint16(d[14:]), SubstituteName: sub, PrintName: pr, Flags: le.Uint32(d[24:])}, nil
}

// SymlinkFromError extracts the symlink target from an error response in
// either the bare (pre-3.1.1) or the error-context form.
func SymlinkFromError(msg []byte) (*SymlinkErrorResponse, error) {
	er, err := ParseErrorResponse(msg)
	if err != nil {
		return nil, err
	}
	if len(er.Contexts) > 0 {
		return ParseSymlinkErrorResponse(er.Contexts[0].Data)
	}
	return ParseSymlinkErrorResponse(er.ErrorData)
}
