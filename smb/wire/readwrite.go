package wire

// Read and write flags, MS-SMB2 2.2.19 and 2.2.21.
const (
	ReadFlagUnbuffered uint8 = 0x01
	ReadFlagCompressed uint8 = 0x02

	WriteFlagWriteThrough uint32 = 0x00000001
	WriteFlagUnbuffered   uint32 = 0x00000002
)

// ReadRequest, MS-SMB2 2.2.19. Fixed part 48 bytes plus at least one
// buffer byte.
type ReadRequest struct {
	Padding        uint8
	Flags          uint8
	ReadLength     uint32 // MS-SMB2 calls it Length
	Offset         uint64
	FileID         FileID
	MinimumCount   uint32
	Channel        uint32
	RemainingBytes uint32
	ChannelInfo    []byte
}

func (r *ReadRequest) Length() int { return 48 + max(len(r.ChannelInfo), 1) }

func (r *ReadRequest) Append(b []byte) []byte {
	b = le.AppendUint16(b, 49)
	b = append(b, r.Padding, r.Flags)
	b = le.AppendUint32(b, r.ReadLength)
	b = le.AppendUint64(b, r.Offset)
	b = r.FileID.append(b)
	b = le.AppendUint32(b, r.MinimumCount)
	b = le.AppendUint32(b, r.Channel)
	b = le.AppendUint32(b, r.RemainingBytes)
	if len(r.ChannelInfo) > 0 {
		b = le.AppendUint16(b, HeaderSize+48)
	} else {
		b = le.AppendUint16(b, 0)
	}
	b = le.AppendUint16(b, uint16(len(r.ChannelInfo)))
	return appendBuffer(b, r.ChannelInfo)
}

func ParseReadRequest(msg []byte) (*ReadRequest, error) {
	const s = "READ request"
	if err := checkSize(msg, 49, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+48 {
		return nil, errShort(s, HeaderSize+48, len(msg))
	}
	p := msg[HeaderSize:]
	r := &ReadRequest{Padding: p[2], Flags: p[3], ReadLength: le.Uint32(p[4:]), Offset: le.Uint64(p[8:]),
		FileID: parseFileID(p[16:]), MinimumCount: le.Uint32(p[32:]), Channel: le.Uint32(p[36:]), RemainingBytes: le.Uint32(p[40:])}
	ci, err := slice(msg, uint32(le.Uint16(p[44:])), uint32(le.Uint16(p[46:])), s, "ReadChannelInfo")
	if err != nil {
		return nil, err
	}
	r.ChannelInfo = ci
	return r, nil
}

// ReadResponse, MS-SMB2 2.2.20. Fixed part 16 bytes. Data aliases the
// message: reads are up to 8 MiB and are copied once, to the caller.
type ReadResponse struct {
	DataOffset    uint8
	Data          []byte
	DataRemaining uint32
	Flags         uint32
}

func (r *ReadResponse) Length() int { return 16 + len(r.Data) }

func (r *ReadResponse) Append(b []byte) []byte {
	b = le.AppendUint16(b, 17)
	b = append(b, HeaderSize+16, 0)
	b = le.AppendUint32(b, uint32(len(r.Data)))
	b = le.AppendUint32(b, r.DataRemaining)
	b = le.AppendUint32(b, r.Flags)
	return append(b, r.Data...)
}

func ParseReadResponse(msg []byte) (*ReadResponse, error) {
	const s = "READ response"
	if err := checkSize(msg, 17, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+16 {
		return nil, errShort(s, HeaderSize+16, len(msg))
	}
	p := msg[HeaderSize:]
	data, err := slice(msg, uint32(p[2]), le.Uint32(p[4:]), s, "Data")
	if err != nil {
		return nil, err
	}
	return &ReadResponse{DataOffset: p[2], Data: data, DataRemaining: le.Uint32(p[8:]), Flags: le.Uint32(p[12:])}, nil
}

// WriteRequest, MS-SMB2 2.2.21. Fixed part 48 bytes; data follows at
// offset 112 from the header.
type WriteRequest struct {
	Offset         uint64
	FileID         FileID
	Channel        uint32
	RemainingBytes uint32
	Flags          uint32
	Data           []byte
	ChannelInfo    []byte
}

func (r *WriteRequest) Length() int { return 48 + max(len(r.Data)+len(r.ChannelInfo), 1) }

func (r *WriteRequest) Append(b []byte) []byte {
	b = r.AppendHeaderOnly(b)
	if len(r.Data)+len(r.ChannelInfo) == 0 {
		return append(b, 0)
	}
	b = append(b, r.Data...)
	return append(b, r.ChannelInfo...)
}

// AppendHeaderOnly writes the fixed part with offsets as if Data and then
// ChannelInfo followed at once, so a sender can send Data from its own
// buffer.
func (r *WriteRequest) AppendHeaderOnly(b []byte) []byte {
	b = le.AppendUint16(b, 49)
	b = le.AppendUint16(b, HeaderSize+48)
	b = le.AppendUint32(b, uint32(len(r.Data)))
	b = le.AppendUint64(b, r.Offset)
	b = r.FileID.append(b)
	b = le.AppendUint32(b, r.Channel)
	b = le.AppendUint32(b, r.RemainingBytes)
	if len(r.ChannelInfo) > 0 {
		b = le.AppendUint16(b, uint16(HeaderSize+48+len(r.Data)))
	} else {
		b = le.AppendUint16(b, 0)
	}
	b = le.AppendUint16(b, uint16(len(r.ChannelInfo)))
	return le.AppendUint32(b, r.Flags)
}

func ParseWriteRequest(msg []byte) (*WriteRequest, error) {
	const s = "WRITE request"
	if err := checkSize(msg, 49, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+48 {
		return nil, errShort(s, HeaderSize+48, len(msg))
	}
	p := msg[HeaderSize:]
	r := &WriteRequest{Offset: le.Uint64(p[8:]), FileID: parseFileID(p[16:]), Channel: le.Uint32(p[32:]),
		RemainingBytes: le.Uint32(p[36:]), Flags: le.Uint32(p[44:])}
	data, err := slice(msg, uint32(le.Uint16(p[2:])), le.Uint32(p[4:]), s, "Data")
	if err != nil {
		return nil, err
	}
	r.Data = data
	return r, nil
}

// WriteResponse, MS-SMB2 2.2.22 (16 bytes).
type WriteResponse struct {
	Count     uint32
	Remaining uint32
}

func (r *WriteResponse) Length() int { return 16 }

func (r *WriteResponse) Append(b []byte) []byte {
	b = le.AppendUint16(b, 17)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, r.Count)
	b = le.AppendUint32(b, r.Remaining)
	return le.AppendUint32(b, 0)
}

func ParseWriteResponse(msg []byte) (*WriteResponse, error) {
	const s = "WRITE response"
	if err := checkSize(msg, 17, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+16 {
		return nil, errShort(s, HeaderSize+16, len(msg))
	}
	p := msg[HeaderSize:]
	return &WriteResponse{Count: le.Uint32(p[4:]), Remaining: le.Uint32(p[8:])}, nil
}
