package wire

import "github.com/gosmb/gosmb/smb/internal/utf16le"

// QUERY_DIRECTORY flags, MS-SMB2 2.2.33.
const (
	RestartScans      uint8 = 0x01
	ReturnSingleEntry uint8 = 0x02
	IndexSpecified    uint8 = 0x04
	Reopen            uint8 = 0x10
)

// QueryDirectoryRequest, MS-SMB2 2.2.33. Fixed part 32 bytes.
type QueryDirectoryRequest struct {
	FileInfoClass      uint8
	Flags              uint8
	FileIndex          uint32
	FileID             FileID
	Pattern            string
	OutputBufferLength uint32
}

func (r *QueryDirectoryRequest) Length() int { return 32 + max(utf16le.EncodedLen(r.Pattern), 1) }

func (r *QueryDirectoryRequest) Append(b []byte) []byte {
	n := utf16le.EncodedLen(r.Pattern)
	b = le.AppendUint16(b, 33)
	b = append(b, r.FileInfoClass, r.Flags)
	b = le.AppendUint32(b, r.FileIndex)
	b = r.FileID.append(b)
	if n > 0 {
		b = le.AppendUint16(b, HeaderSize+32)
	} else {
		b = le.AppendUint16(b, 0)
	}
	b = le.AppendUint16(b, uint16(n))
	b = le.AppendUint32(b, r.OutputBufferLength)
	return appendBuffer(b, utf16le.Encode(r.Pattern))
}

// outputBuffer is the shape shared by QUERY_DIRECTORY, CHANGE_NOTIFY and
// QUERY_INFO responses: StructureSize 9, OutputBufferOffset(2),
// OutputBufferLength(4), Buffer.
func parseOutputBuffer(msg []byte, s string) ([]byte, error) {
	if err := checkSize(msg, 9, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+8 {
		return nil, errShort(s, HeaderSize+8, len(msg))
	}
	p := msg[HeaderSize:]
	return slice(msg, uint32(le.Uint16(p[2:])), le.Uint32(p[4:]), s, "OutputBuffer")
}

func appendOutputBuffer(b, buf []byte) []byte {
	b = le.AppendUint16(b, 9)
	b = le.AppendUint16(b, HeaderSize+8)
	b = le.AppendUint32(b, uint32(len(buf)))
	return appendBuffer(b, buf)
}

// QueryDirectoryResponse, MS-SMB2 2.2.34.
type QueryDirectoryResponse struct{ Buffer []byte }

func (r *QueryDirectoryResponse) Length() int            { return 8 + max(len(r.Buffer), 1) }
func (r *QueryDirectoryResponse) Append(b []byte) []byte { return appendOutputBuffer(b, r.Buffer) }

func ParseQueryDirectoryResponse(msg []byte) (*QueryDirectoryResponse, error) {
	buf, err := parseOutputBuffer(msg, "QUERY_DIRECTORY response")
	if err != nil {
		return nil, err
	}
	return &QueryDirectoryResponse{Buffer: buf}, nil
}
