package wire

import "net"

// FSCTL codes, MS-SMB2 2.2.31 and MS-FSCC 2.3.
const (
	FsctlDfsGetReferrals           uint32 = 0x00060194
	FsctlPipeTransceive            uint32 = 0x0011C017
	FsctlSrvCopychunk              uint32 = 0x001440F2
	FsctlSrvCopychunkWrite         uint32 = 0x001480F2
	FsctlSrvEnumerateSnapshots     uint32 = 0x00144064
	FsctlSrvRequestResumeKey       uint32 = 0x00140078
	FsctlQueryNetworkInterfaceInfo uint32 = 0x001401FC
	FsctlValidateNegotiateInfo     uint32 = 0x00140204
	FsctlSetSparse                 uint32 = 0x000900C4
	FsctlSetZeroData               uint32 = 0x000980C8
	FsctlQueryAllocatedRanges      uint32 = 0x000940CF
	FsctlGetReparsePoint           uint32 = 0x000900A8
	FsctlSetReparsePoint           uint32 = 0x000900A4
	FsctlDeleteReparsePoint        uint32 = 0x000900AC
	FsctlDuplicateExtentsToFile    uint32 = 0x00098344
)

// ValidateNegotiateInfoRequest, MS-SMB2 2.2.31.4.
type ValidateNegotiateInfoRequest struct {
	Capabilities uint32
	GUID         [16]byte
	SecurityMode uint16
	Dialects     []Dialect
}

func (v *ValidateNegotiateInfoRequest) Encode() []byte {
	b := le.AppendUint32(nil, v.Capabilities)
	b = append(b, v.GUID[:]...)
	b = le.AppendUint16(b, v.SecurityMode)
	b = le.AppendUint16(b, uint16(len(v.Dialects)))
	for _, d := range v.Dialects {
		b = le.AppendUint16(b, uint16(d))
	}
	return b
}

// ValidateNegotiateInfoResponse, MS-SMB2 2.2.32.6 (24 bytes).
type ValidateNegotiateInfoResponse struct {
	Capabilities uint32
	GUID         [16]byte
	SecurityMode uint16
	Dialect      Dialect
}

func (v *ValidateNegotiateInfoResponse) Encode() []byte {
	b := le.AppendUint32(nil, v.Capabilities)
	b = append(b, v.GUID[:]...)
	b = le.AppendUint16(b, v.SecurityMode)
	return le.AppendUint16(b, uint16(v.Dialect))
}

func ParseValidateNegotiateInfoResponse(d []byte) (*ValidateNegotiateInfoResponse, error) {
	if len(d) < 24 {
		return nil, errShort("VALIDATE_NEGOTIATE_INFO response", 24, len(d))
	}
	v := &ValidateNegotiateInfoResponse{Capabilities: le.Uint32(d), SecurityMode: le.Uint16(d[20:]), Dialect: Dialect(le.Uint16(d[22:]))}
	copy(v.GUID[:], d[4:20])
	return v, nil
}

// NetworkInterfaceInfo, MS-SMB2 2.2.32.5 (152 bytes each).
type NetworkInterfaceInfo struct {
	IfIndex    uint32
	Capability uint32 // RSS=1, RDMA=2
	LinkSpeed  uint64
	Addr       net.IP
	Port       uint16
}

const (
	InterfaceRSS  uint32 = 1
	InterfaceRDMA uint32 = 2
)

// ParseNetworkInterfaceInfo walks the Next chain of the output buffer.
func ParseNetworkInterfaceInfo(out []byte) ([]NetworkInterfaceInfo, error) {
	const s = "NETWORK_INTERFACE_INFO"
	var list []NetworkInterfaceInfo
	for pos := 0; pos < len(out); {
		if len(list) == 1024 {
			return nil, errField(s, "Next", "more than 1024 interfaces")
		}
		e := out[pos:]
		if len(e) < 152 {
			return nil, errShort(s, 152, len(e))
		}
		ni := NetworkInterfaceInfo{IfIndex: le.Uint32(e[4:]), Capability: le.Uint32(e[8:]), LinkSpeed: le.Uint64(e[16:])}
		sa := e[24:152]
		switch le.Uint16(sa) {
		case 0x0002: // AF_INET: port (BE) then address
			ni.Port = uint16(sa[2])<<8 | uint16(sa[3])
			ni.Addr = net.IP(append([]byte(nil), sa[4:8]...))
		case 0x0017: // AF_INET6: port, flowinfo, address
			ni.Port = uint16(sa[2])<<8 | uint16(sa[3])
			ni.Addr = net.IP(append([]byte(nil), sa[8:24]...))
		default:
			return nil, errField(s, "Family", "0x%04x", le.Uint16(sa))
		}
		list = append(list, ni)
		next := le.Uint32(e)
		if next == 0 {
			break
		}
		if next < 152 || uint64(next) > uint64(len(e)) {
			return nil, errField(s, "Next", "%d invalid", next)
		}
		pos += int(next)
	}
	return list, nil
}

// SrvRequestResumeKeyResponse, MS-SMB2 2.2.32.3: the 24-byte key first.
func ParseResumeKey(out []byte) ([24]byte, error) {
	var k [24]byte
	if len(out) < 24 {
		return k, errShort("SRV_REQUEST_RESUME_KEY response", 24, len(out))
	}
	copy(k[:], out)
	return k, nil
}

// Copychunk, MS-SMB2 2.2.31.1.1.
type Copychunk struct {
	SourceOffset, TargetOffset uint64
	Length                     uint32
}

// SrvCopychunkCopy, MS-SMB2 2.2.31.1.
type SrvCopychunkCopy struct {
	SourceKey [24]byte
	Chunks    []Copychunk
}

func (c *SrvCopychunkCopy) Encode() []byte {
	b := append([]byte(nil), c.SourceKey[:]...)
	b = le.AppendUint32(b, uint32(len(c.Chunks)))
	b = le.AppendUint32(b, 0)
	for _, ch := range c.Chunks {
		b = le.AppendUint64(b, ch.SourceOffset)
		b = le.AppendUint64(b, ch.TargetOffset)
		b = le.AppendUint32(b, ch.Length)
		b = le.AppendUint32(b, 0)
	}
	return b
}

// SrvCopychunkResponse, MS-SMB2 2.2.32.1.
type SrvCopychunkResponse struct{ ChunksWritten, ChunkBytesWritten, TotalBytesWritten uint32 }

func ParseSrvCopychunkResponse(out []byte) (*SrvCopychunkResponse, error) {
	if len(out) < 12 {
		return nil, errShort("SRV_COPYCHUNK_RESPONSE", 12, len(out))
	}
	return &SrvCopychunkResponse{le.Uint32(out), le.Uint32(out[4:]), le.Uint32(out[8:])}, nil
}

// FileZeroDataInformation, MS-FSCC 2.3.69 (input of FSCTL_SET_ZERO_DATA).
func FileZeroDataInformation(from, beyondFinalZero uint64) []byte {
	return le.AppendUint64(le.AppendUint64(nil, from), beyondFinalZero)
}

// AllocatedRange, MS-FSCC 2.3.33 FILE_ALLOCATED_RANGE_BUFFER.
type AllocatedRange struct{ Offset, Length uint64 }

func EncodeAllocatedRange(r AllocatedRange) []byte {
	return le.AppendUint64(le.AppendUint64(nil, r.Offset), r.Length)
}

func ParseAllocatedRanges(out []byte) ([]AllocatedRange, error) {
	if len(out)%16 != 0 {
		return nil, errField("FILE_ALLOCATED_RANGE_BUFFER list", "length", "%d is not a multiple of 16", len(out))
	}
	rs := make([]AllocatedRange, len(out)/16)
	for i := range rs {
		rs[i] = AllocatedRange{le.Uint64(out[16*i:]), le.Uint64(out[16*i+8:])}
	}
	return rs, nil
}
