package wire

// QueryInfoRequest, MS-SMB2 2.2.37. Fixed part 40 bytes.
type QueryInfoRequest struct {
	InfoType              uint8
	FileInfoClass         uint8
	OutputBufferLength    uint32
	Input                 []byte
	AdditionalInformation uint32
	Flags                 uint32
	FileID                FileID
}

func (r *QueryInfoRequest) Length() int { return 40 + max(len(r.Input), 1) }

func (r *QueryInfoRequest) Append(b []byte) []byte {
	b = le.AppendUint16(b, 41)
	b = append(b, r.InfoType, r.FileInfoClass)
	b = le.AppendUint32(b, r.OutputBufferLength)
	if len(r.Input) > 0 {
		b = le.AppendUint16(b, HeaderSize+40)
	} else {
		b = le.AppendUint16(b, 0)
	}
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, uint32(len(r.Input)))
	b = le.AppendUint32(b, r.AdditionalInformation)
	b = le.AppendUint32(b, r.Flags)
	b = r.FileID.append(b)
	return appendBuffer(b, r.Input)
}

// QueryInfoResponse, MS-SMB2 2.2.38.
type QueryInfoResponse struct{ Buffer []byte }

func (r *QueryInfoResponse) Length() int            { return 8 + max(len(r.Buffer), 1) }
func (r *QueryInfoResponse) Append(b []byte) []byte { return appendOutputBuffer(b, r.Buffer) }

func ParseQueryInfoResponse(msg []byte) (*QueryInfoResponse, error) {
	buf, err := parseOutputBuffer(msg, "QUERY_INFO response")
	if err != nil {
		return nil, err
	}
	return &QueryInfoResponse{Buffer: buf}, nil
}

// SetInfoRequest, MS-SMB2 2.2.39. Fixed part 32 bytes.
type SetInfoRequest struct {
	InfoType              uint8
	FileInfoClass         uint8
	AdditionalInformation uint32
	FileID                FileID
	Buffer                []byte
}

func (r *SetInfoRequest) Length() int { return 32 + max(len(r.Buffer), 1) }

func (r *SetInfoRequest) Append(b []byte) []byte {
	b = le.AppendUint16(b, 33)
	b = append(b, r.InfoType, r.FileInfoClass)
	b = le.AppendUint32(b, uint32(len(r.Buffer)))
	b = le.AppendUint16(b, HeaderSize+32)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, r.AdditionalInformation)
	b = r.FileID.append(b)
	return appendBuffer(b, r.Buffer)
}

// SetInfoResponse, MS-SMB2 2.2.40: StructureSize 2.
type SetInfoResponse struct{}

func (SetInfoResponse) Length() int            { return 2 }
func (SetInfoResponse) Append(b []byte) []byte { return le.AppendUint16(b, 2) }

func ParseSetInfoResponse(msg []byte) error {
	return checkSize(msg, 2, "SET_INFO response")
}
