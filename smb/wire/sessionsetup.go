package wire

// Session setup flags, MS-SMB2 2.2.5 and 2.2.6.
const (
	SessionFlagBinding uint8 = 0x01

	SessionFlagIsGuest     uint16 = 0x0001
	SessionFlagIsNull      uint16 = 0x0002
	SessionFlagEncryptData uint16 = 0x0004
)

// SessionSetupRequest, MS-SMB2 2.2.5. Fixed part 24 bytes.
type SessionSetupRequest struct {
	Flags             uint8
	SecurityMode      uint8
	Capabilities      uint32
	Channel           uint32
	PreviousSessionID uint64
	SecurityBuffer    []byte
}

func (r *SessionSetupRequest) Length() int { return 24 + max(len(r.SecurityBuffer), 1) }

func (r *SessionSetupRequest) Append(b []byte) []byte {
	b = le.AppendUint16(b, 25)
	b = append(b, r.Flags, r.SecurityMode)
	b = le.AppendUint32(b, r.Capabilities)
	b = le.AppendUint32(b, r.Channel)
	b = le.AppendUint16(b, HeaderSize+24)
	b = le.AppendUint16(b, uint16(len(r.SecurityBuffer)))
	b = le.AppendUint64(b, r.PreviousSessionID)
	return appendBuffer(b, r.SecurityBuffer)
}

// appendBuffer appends a variable part, or the one pad byte MS-SMB2 asks
// for when a request with an odd StructureSize has none.
func appendBuffer(b, buf []byte) []byte {
	if len(buf) == 0 {
		return append(b, 0)
	}
	return append(b, buf...)
}

func ParseSessionSetupRequest(msg []byte) (*SessionSetupRequest, error) {
	const s = "SESSION_SETUP request"
	if err := checkSize(msg, 25, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+24 {
		return nil, errShort(s, HeaderSize+24, len(msg))
	}
	p := msg[HeaderSize:]
	r := &SessionSetupRequest{Flags: p[2], SecurityMode: p[3], Capabilities: le.Uint32(p[4:]),
		Channel: le.Uint32(p[8:]), PreviousSessionID: le.Uint64(p[16:])}
	buf, err := slice(msg, uint32(le.Uint16(p[12:])), uint32(le.Uint16(p[14:])), s, "SecurityBuffer")
	if err != nil {
		return nil, err
	}
	r.SecurityBuffer = buf
	return r, nil
}

// SessionSetupResponse, MS-SMB2 2.2.6. Fixed part 8 bytes.
type SessionSetupResponse struct {
	SessionFlags   uint16
	SecurityBuffer []byte
}

func (r *SessionSetupResponse) Length() int { return 8 + len(r.SecurityBuffer) }

func (r *SessionSetupResponse) Append(b []byte) []byte {
	b = le.AppendUint16(b, 9)
	b = le.AppendUint16(b, r.SessionFlags)
	b = le.AppendUint16(b, HeaderSize+8)
	b = le.AppendUint16(b, uint16(len(r.SecurityBuffer)))
	return append(b, r.SecurityBuffer...)
}

func ParseSessionSetupResponse(msg []byte) (*SessionSetupResponse, error) {
	const s = "SESSION_SETUP response"
	if err := checkSize(msg, 9, s); err != nil {
		return nil, err
	}
	if len(msg) < HeaderSize+8 {
		return nil, errShort(s, HeaderSize+8, len(msg))
	}
	p := msg[HeaderSize:]
	buf, err := slice(msg, uint32(le.Uint16(p[4:])), uint32(le.Uint16(p[6:])), s, "SecurityBuffer")
	if err != nil {
		return nil, err
	}
	return &SessionSetupResponse{SessionFlags: le.Uint16(p[2:]), SecurityBuffer: buf}, nil
}
