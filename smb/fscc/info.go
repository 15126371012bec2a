package fscc

import "github.com/gosmb/gosmb/smb/internal/utf16le"

// FileBasicInformation, MS-FSCC 2.4.7 (40 bytes).
type FileBasicInfo struct {
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime uint64
	FileAttributes                                          uint32
}

func (i *FileBasicInfo) Length() int { return 40 }

func (i *FileBasicInfo) Append(b []byte) []byte {
	for _, v := range []uint64{i.CreationTime, i.LastAccessTime, i.LastWriteTime, i.ChangeTime} {
		b = le.AppendUint64(b, v)
	}
	b = le.AppendUint32(b, i.FileAttributes)
	return le.AppendUint32(b, 0)
}

func ParseFileBasicInformation(b []byte) (*FileBasicInfo, error) {
	if len(b) < 36 {
		return nil, short("FILE_BASIC_INFORMATION", 36, len(b))
	}
	return &FileBasicInfo{le.Uint64(b), le.Uint64(b[8:]), le.Uint64(b[16:]), le.Uint64(b[24:]), le.Uint32(b[32:])}, nil
}

// FileStandardInformation, MS-FSCC 2.4.41 (24 bytes).
type FileStandardInfo struct {
	AllocationSize, EndOfFile uint64
	NumberOfLinks             uint32
	DeletePending, Directory  bool
}

func ParseFileStandardInformation(b []byte) (*FileStandardInfo, error) {
	if len(b) < 22 {
		return nil, short("FILE_STANDARD_INFORMATION", 22, len(b))
	}
	return &FileStandardInfo{le.Uint64(b), le.Uint64(b[8:]), le.Uint32(b[16:]), b[20] != 0, b[21] != 0}, nil
}

// FileAllInfo is FileAllInformation, MS-FSCC 2.4.2: basic(40) standard(24)
// internal(8) ea(4) access(4) position(8) mode(4) alignment(4) name.
type FileAllInfo struct {
	Basic       FileBasicInfo
	Standard    FileStandardInfo
	Internal    struct{ IndexNumber uint64 }
	EaSize      uint32
	AccessFlags uint32
	Position    uint64
	Mode        uint32
	Alignment   uint32
	Name        string
}

func ParseFileAllInformation(b []byte) (*FileAllInfo, error) {
	const s = "FILE_ALL_INFORMATION"
	if len(b) < 100 {
		return nil, short(s, 100, len(b))
	}
	bi, _ := ParseFileBasicInformation(b)
	si, _ := ParseFileStandardInformation(b[40:])
	a := &FileAllInfo{Basic: *bi, Standard: *si, EaSize: le.Uint32(b[72:]), AccessFlags: le.Uint32(b[76:]),
		Position: le.Uint64(b[80:]), Mode: le.Uint32(b[88:]), Alignment: le.Uint32(b[92:])}
	a.Internal.IndexNumber = le.Uint64(b[64:])
	n := le.Uint32(b[96:])
	if uint64(n) > uint64(len(b)-100) {
		// Servers truncate the name to the buffer and report
		// STATUS_BUFFER_OVERFLOW; keep what fits.
		n = uint32(len(b) - 100)
	}
	name, err := decodeName(b[100:100+n&^1], s)
	if err != nil {
		return nil, err
	}
	a.Name = name
	return a, nil
}

// PosixInfo is the SMB3 POSIX extensions' FILE_POSIX_INFORMATION as Samba
// sends it: times(32) EndOfFile(8) AllocationSize(8) attributes(4) inode(8)
// device(4) reserved(4) nlinks(4) reparse tag(4) mode(4) owner SID, group SID.
type PosixInfo struct {
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime uint64
	EndOfFile, AllocationSize                               uint64
	FileAttributes                                          uint32
	Inode                                                   uint64
	DeviceID                                                uint32
	HardLinks, ReparseTag, Mode                             uint32
	Owner, Group                                            SID
}

const posixFixed = 80

func parsePosixCommon(b []byte, s string) (*PosixInfo, int, error) {
	if len(b) < posixFixed {
		return nil, 0, short(s, posixFixed, len(b))
	}
	p := &PosixInfo{CreationTime: le.Uint64(b), LastAccessTime: le.Uint64(b[8:]), LastWriteTime: le.Uint64(b[16:]),
		ChangeTime: le.Uint64(b[24:]), EndOfFile: le.Uint64(b[32:]), AllocationSize: le.Uint64(b[40:]),
		FileAttributes: le.Uint32(b[48:]), Inode: le.Uint64(b[52:]), DeviceID: le.Uint32(b[60:]),
		HardLinks: le.Uint32(b[68:]), ReparseTag: le.Uint32(b[72:]), Mode: le.Uint32(b[76:])}
	pos := posixFixed
	owner, n, err := ParseSID(b[pos:])
	if err != nil {
		return nil, 0, errf(s, "owner: %v", err)
	}
	pos += n
	group, n, err := ParseSID(b[pos:])
	if err != nil {
		return nil, 0, errf(s, "group: %v", err)
	}
	pos += n
	p.Owner, p.Group = *owner, *group
	return p, pos, nil
}

func ParseFilePosixInformation(b []byte) (*PosixInfo, error) {
	p, _, err := parsePosixCommon(b, "FILE_POSIX_INFORMATION")
	return p, err
}

// AppendPosix encodes a PosixInfo (tests and the scripted server).
func (p *PosixInfo) Append(b []byte) []byte {
	for _, v := range []uint64{p.CreationTime, p.LastAccessTime, p.LastWriteTime, p.ChangeTime, p.EndOfFile, p.AllocationSize} {
		b = le.AppendUint64(b, v)
	}
	b = le.AppendUint32(b, p.FileAttributes)
	b = le.AppendUint64(b, p.Inode)
	b = le.AppendUint32(b, p.DeviceID)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, p.HardLinks)
	b = le.AppendUint32(b, p.ReparseTag)
	b = le.AppendUint32(b, p.Mode)
	b = p.Owner.Append(b)
	return p.Group.Append(b)
}

// FileRenameInformation (SMB2 form), MS-FSCC 2.4.37.2; FileLinkInformation
// (2.4.27.2) has the same layout.
type FileRenameInformation struct {
	ReplaceIfExists bool
	FileName        string
}

func (r *FileRenameInformation) Append(b []byte) []byte {
	if r.ReplaceIfExists {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = append(b, 0, 0, 0, 0, 0, 0, 0)
	b = le.AppendUint64(b, 0) // RootDirectory
	b = le.AppendUint32(b, uint32(utf16le.EncodedLen(r.FileName)))
	b = utf16le.Append(b, r.FileName)
	for len(b) < 24 {
		b = append(b, 0)
	}
	return b
}

func ParseFileRenameInformation(b []byte) (*FileRenameInformation, error) {
	const s = "FILE_RENAME_INFORMATION"
	if len(b) < 20 {
		return nil, short(s, 20, len(b))
	}
	n := le.Uint32(b[16:])
	if uint64(n) > uint64(len(b)-20) {
		return nil, errf(s, "FileNameLength %d past %d bytes", n, len(b)-20)
	}
	name, err := decodeName(b[20:20+n], s)
	if err != nil {
		return nil, err
	}
	return &FileRenameInformation{ReplaceIfExists: b[0] != 0, FileName: name}, nil
}

// FileEndOfFileInformation, MS-FSCC 2.4.14.
type FileEndOfFileInformation struct{ EndOfFile uint64 }

func (e *FileEndOfFileInformation) Append(b []byte) []byte { return le.AppendUint64(b, e.EndOfFile) }

// FileAllocationInformation, MS-FSCC 2.4.4.
type FileAllocationInformation struct{ AllocationSize uint64 }

func (e *FileAllocationInformation) Append(b []byte) []byte {
	return le.AppendUint64(b, e.AllocationSize)
}

// FileDispositionInformation, MS-FSCC 2.4.11.
type FileDispositionInformation struct{ DeletePending bool }

func (d *FileDispositionInformation) Append(b []byte) []byte {
	if d.DeletePending {
		return append(b, 1)
	}
	return append(b, 0)
}

// FileFsFullSizeInformation, MS-FSCC 2.5.4 (32 bytes).
type FsFullSize struct {
	TotalAllocationUnits           uint64
	CallerAvailableAllocationUnits uint64
	ActualAvailableAllocationUnits uint64
	SectorsPerAllocationUnit       uint32
	BytesPerSector                 uint32
}

func ParseFileFsFullSizeInformation(b []byte) (*FsFullSize, error) {
	if len(b) < 32 {
		return nil, short("FILE_FS_FULL_SIZE_INFORMATION", 32, len(b))
	}
	return &FsFullSize{le.Uint64(b), le.Uint64(b[8:]), le.Uint64(b[16:]), le.Uint32(b[24:]), le.Uint32(b[28:])}, nil
}

func (f *FsFullSize) Append(b []byte) []byte {
	b = le.AppendUint64(b, f.TotalAllocationUnits)
	b = le.AppendUint64(b, f.CallerAvailableAllocationUnits)
	b = le.AppendUint64(b, f.ActualAvailableAllocationUnits)
	b = le.AppendUint32(b, f.SectorsPerAllocationUnit)
	return le.AppendUint32(b, f.BytesPerSector)
}

// FsAttribute is FileFsAttributeInformation, MS-FSCC 2.5.1.
type FsAttribute struct {
	FileSystemAttributes       uint32
	MaximumComponentNameLength uint32
	FileSystemName             string
}

func ParseFileFsAttributeInformation(b []byte) (*FsAttribute, error) {
	const s = "FILE_FS_ATTRIBUTE_INFORMATION"
	if len(b) < 12 {
		return nil, short(s, 12, len(b))
	}
	n := le.Uint32(b[8:])
	if uint64(n) > uint64(len(b)-12) {
		return nil, errf(s, "FileSystemNameLength %d past %d bytes", n, len(b)-12)
	}
	name, err := decodeName(b[12:12+n], s)
	if err != nil {
		return nil, err
	}
	return &FsAttribute{le.Uint32(b), le.Uint32(b[4:]), name}, nil
}

// EA is one FILE_FULL_EA_INFORMATION entry, MS-FSCC 2.4.15.
type EA struct {
	Flags uint8
	Name  string
	Value []byte
}

// AppendFullEAList encodes entries 4-byte aligned with NextEntryOffset.
func AppendFullEAList(b []byte, eas []EA) []byte {
	for i, e := range eas {
		start := len(b)
		b = le.AppendUint32(b, 0)
		b = append(b, e.Flags, uint8(len(e.Name)))
		b = le.AppendUint16(b, uint16(len(e.Value)))
		b = append(b, e.Name...)
		b = append(b, 0)
		b = append(b, e.Value...)
		if i < len(eas)-1 {
			for (len(b)-start)%4 != 0 {
				b = append(b, 0)
			}
			le.PutUint32(b[start:], uint32(len(b)-start))
		}
	}
	return b
}

// ParseFullEAList decodes a FILE_FULL_EA_INFORMATION chain.
func ParseFullEAList(b []byte) ([]EA, error) {
	const s = "FILE_FULL_EA_INFORMATION"
	var out []EA
	for pos := 0; pos < len(b); {
		if len(out) > len(b)/8 {
			return nil, errf(s, "too many entries")
		}
		e := b[pos:]
		if len(e) < 8 {
			return nil, short(s, 8, len(e))
		}
		nl, vl := int(e[5]), int(le.Uint16(e[6:]))
		if 8+nl+1+vl > len(e) {
			return nil, errf(s, "name %d and value %d bytes past end", nl, vl)
		}
		out = append(out, EA{Flags: e[4], Name: string(e[8 : 8+nl]), Value: e[9+nl : 9+nl+vl]})
		next := le.Uint32(e)
		if next == 0 {
			break
		}
		if next < 8 || uint64(next) > uint64(len(e)) {
			return nil, errf(s, "NextEntryOffset %d invalid", next)
		}
		pos += int(next)
	}
	return out, nil
}

// FileNetworkOpenInformation, MS-FSCC 2.4.29 (56 bytes).
type NetworkOpenInfo struct {
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime uint64
	AllocationSize, EndOfFile                               uint64
	FileAttributes                                          uint32
}

func ParseFileNetworkOpenInformation(b []byte) (*NetworkOpenInfo, error) {
	if len(b) < 52 {
		return nil, short("FILE_NETWORK_OPEN_INFORMATION", 52, len(b))
	}
	return &NetworkOpenInfo{le.Uint64(b), le.Uint64(b[8:]), le.Uint64(b[16:]), le.Uint64(b[24:]),
		le.Uint64(b[32:]), le.Uint64(b[40:]), le.Uint32(b[48:])}, nil
}

func (n *NetworkOpenInfo) Append(b []byte) []byte {
	for _, v := range []uint64{n.CreationTime, n.LastAccessTime, n.LastWriteTime, n.ChangeTime, n.AllocationSize, n.EndOfFile} {
		b = le.AppendUint64(b, v)
	}
	b = le.AppendUint32(b, n.FileAttributes)
	return le.AppendUint32(b, 0)
}
