package wire

// IoctlIsFsctl marks an FSCTL (always, for SMB2), MS-SMB2 2.2.31.
const IoctlIsFsctl uint32 = 0x00000001

// IoctlRequest, MS-SMB2 2.2.31. Fixed part 56 bytes.
type IoctlRequest struct {
	CtlCode           uint32
	FileID            FileID
	Input             []byte
	MaxInputResponse  uint32
	MaxOutputResponse uint32
	Flags             uint32
}

func (r *IoctlRequest) Length() int { return 56 + max(len(r.Input), 1) }

func (r *IoctlRequest) Append(b []byte) []byte {
	b = le.AppendUint16(b, 57)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, r.CtlCode)
	b = r.FileID.append(b)
	if len(r.Input) > 0 {
		b = le.AppendUint32(b, HeaderSize+56)
	} else {
		b = le.AppendUint32(b, 0)
	}
	b = le.AppendUint32(b, uint32(len(r.Input)))
	b = le.AppendUint32(b, r.MaxInputResponse)
	b = le.AppendUint32(b, 0) // OutputOffset
	b = le.AppendUint32(b, 0) // OutputCount
	b = le.AppendUint32(b, r.MaxOutputResponse)
	b = le.AppendUint32(b, r.Flags)
	b = le.AppendUint32(b, 0)
	return appendBuffer(b, r.Input)
}

func ParseIoctlRequest(msg []byte) (*IoctlRequest, error) {
	const s = "IOCTL request"
	if err := checkSize(msg, 57, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+56 {
		return nil, errShort(s, HeaderSize+56, len(msg))
	}
	p := msg[HeaderSize:]
	in, err := slice(msg, le.Uint32(p[24:]), le.Uint32(p[28:]), s, "Input")
	if err != nil {
		return nil, err
	}
	return &IoctlRequest{CtlCode: le.Uint32(p[4:]), FileID: parseFileID(p[8:]), Input: in,
		MaxInputResponse: le.Uint32(p[32:]), MaxOutputResponse: le.Uint32(p[44:]), Flags: le.Uint32(p[48:])}, nil
}

// IoctlResponse, MS-SMB2 2.2.32. Fixed part 48 bytes.
type IoctlResponse struct {
	CtlCode uint32
	FileID  FileID
	Input   []byte
	Output  []byte
	Flags   uint32
}

func (r *IoctlResponse) Length() int {
	outOff := (HeaderSize + 48 + len(r.Input) + 7) &^ 7
	return outOff - HeaderSize + len(r.Output)
}

func (r *IoctlResponse) Append(b []byte) []byte {
	base := len(b) - HeaderSize
	b = le.AppendUint16(b, 49)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, r.CtlCode)
	b = r.FileID.append(b)
	inOff := HeaderSize + 48
	outOff := (inOff + len(r.Input) + 7) &^ 7
	b = le.AppendUint32(b, uint32(inOff))
	b = le.AppendUint32(b, uint32(len(r.Input)))
	b = le.AppendUint32(b, uint32(outOff))
	b = le.AppendUint32(b, uint32(len(r.Output)))
	b = le.AppendUint32(b, r.Flags)
	b = le.AppendUint32(b, 0)
	b = append(b, r.Input...)
	for len(b)-base < outOff {
		b = append(b, 0)
	}
	return append(b, r.Output...)
}

func ParseIoctlResponse(msg []byte) (*IoctlResponse, error) {
	const s = "IOCTL response"
	if err := checkSize(msg, 49, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+48 {
		return nil, errShort(s, HeaderSize+48, len(msg))
	}
	p := msg[HeaderSize:]
	in, err := slice(msg, le.Uint32(p[24:]), le.Uint32(p[28:]), s, "Input")
	if err != nil {
		return nil, err
	}
	out, err := slice(msg, le.Uint32(p[32:]), le.Uint32(p[36:]), s, "Output")
	if err != nil {
		return nil, err
	}
	return &IoctlResponse{CtlCode: le.Uint32(p[4:]), FileID: parseFileID(p[8:]), Input: in, Output: out, Flags: le.Uint32(p[40:])}, nil
}
