package wire

// ClosePostQueryAttrib asks CLOSE to return the file's attributes, 2.2.15.
const ClosePostQueryAttrib uint16 = 0x0001

// CloseRequest, MS-SMB2 2.2.15 (24 bytes).
type CloseRequest struct {
	Flags  uint16
	FileID FileID
}

func (r *CloseRequest) Length() int { return 24 }

func (r *CloseRequest) Append(b []byte) []byte {
	b = le.AppendUint16(b, 24)
	b = le.AppendUint16(b, r.Flags)
	b = le.AppendUint32(b, 0)
	return r.FileID.append(b)
}

func ParseCloseRequest(msg []byte) (*CloseRequest, error) {
	const s = "CLOSE request"
	if err := checkSize(msg, 24, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+24 {
		return nil, errShort(s, HeaderSize+24, len(msg))
	}
	p := msg[HeaderSize:]
	return &CloseRequest{Flags: le.Uint16(p[2:]), FileID: parseFileID(p[8:])}, nil
}

// CloseResponse, MS-SMB2 2.2.16 (60 bytes).
type CloseResponse struct {
	Flags          uint16
	CreationTime   uint64
	LastAccessTime uint64
	LastWriteTime  uint64
	ChangeTime     uint64
	AllocationSize uint64
	EndOfFile      uint64
	FileAttributes uint32
}

func (r *CloseResponse) Length() int { return 60 }

func (r *CloseResponse) Append(b []byte) []byte {
	b = le.AppendUint16(b, 60)
	b = le.AppendUint16(b, r.Flags)
	b = le.AppendUint32(b, 0)
	for _, v := range []uint64{r.CreationTime, r.LastAccessTime, r.LastWriteTime, r.ChangeTime, r.AllocationSize, r.EndOfFile} {
		b = le.AppendUint64(b, v)
	}
	return le.AppendUint32(b, r.FileAttributes)
}

func ParseCloseResponse(msg []byte) (*CloseResponse, error) {
	const s = "CLOSE response"
	if err := checkSize(msg, 60, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+60 {
		return nil, errShort(s, HeaderSize+60, len(msg))
	}
	p := msg[HeaderSize:]
	return &CloseResponse{Flags: le.Uint16(p[2:]), CreationTime: le.Uint64(p[8:]), LastAccessTime: le.Uint64(p[16:]),
		LastWriteTime: le.Uint64(p[24:]), ChangeTime: le.Uint64(p[32:]), AllocationSize: le.Uint64(p[40:]),
		EndOfFile: le.Uint64(p[48:]), FileAttributes: le.Uint32(p[56:])}, nil
}

// FlushRequest, MS-SMB2 2.2.17 (24 bytes); the response is 2.2.18 (4 bytes).
type FlushRequest struct{ FileID FileID }

func (r *FlushRequest) Length() int { return 24 }

func (r *FlushRequest) Append(b []byte) []byte {
	b = le.AppendUint16(b, 24)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, 0)
	return r.FileID.append(b)
}

type FlushResponse struct{ simple4 }

func ParseFlushResponse(msg []byte) error { return parseSimple4(msg, "FLUSH response") }
