package fscc

import "github.com/gosmb/gosmb/smb/internal/utf16le"

// DirEntry is one directory entry of any supported class.
type DirEntry struct {
	FileIndex                                               uint32
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime uint64
	EndOfFile, AllocationSize                               uint64
	FileAttributes                                          uint32
	EaSize                                                  uint32
	ReparseTag                                              uint32
	FileID                                                  uint64
	ShortName                                               string
	Name                                                    string

	// FilePosixInformation only.
	POSIX        bool
	Inode        uint64
	DeviceID     uint32
	Nlinks       uint32
	Mode         uint32
	Owner, Group SID
}

// fixed sizes of each class's entry before the file name, MS-FSCC 2.4.
func fixedSize(class FileInfoClass) int {
	switch class {
	case FileDirectoryInformation:
		return 64
	case FileFullDirectoryInformation:
		return 68
	case FileBothDirectoryInformation:
		return 94
	case FileIdFullDirectoryInformation:
		return 80
	case FileIdBothDirectoryInformation:
		return 104
	case FileNamesInformation:
		return 12
	case FilePosixInformation:
		return 8 + posixFixed + 4 // next, ignored, info, name length (SIDs vary)
	}
	return 0
}

// ParseDirectory decodes a QUERY_DIRECTORY output buffer of class.
func ParseDirectory(class FileInfoClass, buf []byte) ([]DirEntry, error) {
	const s = "directory entry"
	minSize := fixedSize(class)
	if minSize == 0 {
		return nil, errf(s, "unsupported class %d", class)
	}
	var out []DirEntry
	for pos := 0; pos < len(buf); {
		if len(out) > len(buf)/minSize {
			return nil, errf(s, "more entries than fit the buffer")
		}
		e := buf[pos:]
		if len(e) < 4 {
			return nil, short(s, minSize, len(e))
		}
		next := le.Uint32(e)
		end := len(e)
		if next != 0 {
			if int64(next) < int64(minSize) || uint64(next) > uint64(len(e)) {
				return nil, errf(s, "NextEntryOffset %d invalid with %d bytes left", next, len(e))
			}
			end = int(next)
		}
		d, err := parseEntry(class, e[:end], minSize)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
		if next == 0 {
			break
		}
		pos += int(next)
	}
	return out, nil
}

func parseEntry(class FileInfoClass, e []byte, minSize int) (DirEntry, error) {
	const s = "directory entry"
	var d DirEntry
	if len(e) < minSize {
		return d, short(s, minSize, len(e))
	}
	name := func(lenOff, nameOff int) error {
		n := le.Uint32(e[lenOff:])
		if uint64(n) > uint64(len(e)-nameOff) {
			return errf(s, "FileNameLength %d past entry end", n)
		}
		v, err := decodeName(e[nameOff:nameOff+int(n)], s)
		d.Name = v
		return err
	}
	if class == FileNamesInformation {
		d.FileIndex = le.Uint32(e[4:])
		return d, name(8, 12)
	}
	if class == FilePosixInformation {
		p, used, err := parsePosixCommon(e[8:], s)
		if err != nil {
			return d, err
		}
		d = DirEntry{CreationTime: p.CreationTime, LastAccessTime: p.LastAccessTime, LastWriteTime: p.LastWriteTime,
			ChangeTime: p.ChangeTime, EndOfFile: p.EndOfFile, AllocationSize: p.AllocationSize,
			FileAttributes: p.FileAttributes, ReparseTag: p.ReparseTag, FileID: p.Inode, POSIX: true,
			Inode: p.Inode, DeviceID: p.DeviceID, Nlinks: p.HardLinks, Mode: p.Mode, Owner: p.Owner, Group: p.Group}
		off := 8 + used
		if off+4 > len(e) {
			return d, short(s, off+4, len(e))
		}
		return d, name(off, off+4)
	}
	d.FileIndex = le.Uint32(e[4:])
	d.CreationTime, d.LastAccessTime = le.Uint64(e[8:]), le.Uint64(e[16:])
	d.LastWriteTime, d.ChangeTime = le.Uint64(e[24:]), le.Uint64(e[32:])
	d.EndOfFile, d.AllocationSize = le.Uint64(e[40:]), le.Uint64(e[48:])
	d.FileAttributes = le.Uint32(e[56:])
	switch class {
	case FileDirectoryInformation:
		return d, name(60, 64)
	case FileFullDirectoryInformation:
		d.EaSize = le.Uint32(e[64:])
		return d, name(60, 68)
	case FileIdFullDirectoryInformation:
		d.EaSize = le.Uint32(e[64:])
		d.FileID = le.Uint64(e[72:])
		return d, name(60, 80)
	case FileBothDirectoryInformation, FileIdBothDirectoryInformation:
		d.EaSize = le.Uint32(e[64:])
		if d.FileAttributes&AttrReparsePoint != 0 {
			d.ReparseTag = d.EaSize
		}
		sn := int(e[68])
		if sn > 24 {
			return d, errf(s, "ShortNameLength %d exceeds 24", sn)
		}
		short, err := decodeName(e[70:70+sn&^1], s)
		if err != nil {
			return d, err
		}
		d.ShortName = short
		nameOff := 94
		if class == FileIdBothDirectoryInformation {
			d.FileID = le.Uint64(e[96:])
			nameOff = 104
		}
		return d, name(60, nameOff)
	}
	return d, errf(s, "unsupported class %d", class)
}

// AppendDirEntry encodes entries of FileIdBothDirectoryInformation or
// FilePosixInformation (tests and the scripted server), linked by
// NextEntryOffset and 8-byte aligned.
func AppendDirEntries(class FileInfoClass, b []byte, es []DirEntry) []byte {
	for i, d := range es {
		start := len(b)
		b = le.AppendUint32(b, 0)
		if class == FilePosixInformation {
			b = le.AppendUint32(b, 0)
			p := PosixInfo{d.CreationTime, d.LastAccessTime, d.LastWriteTime, d.ChangeTime, d.EndOfFile, d.AllocationSize,
				d.FileAttributes, d.Inode, d.DeviceID, d.Nlinks, d.ReparseTag, d.Mode, d.Owner, d.Group}
			b = p.Append(b)
			b = le.AppendUint32(b, uint32(utf16le.EncodedLen(d.Name)))
		} else {
			b = le.AppendUint32(b, d.FileIndex)
			for _, v := range []uint64{d.CreationTime, d.LastAccessTime, d.LastWriteTime, d.ChangeTime, d.EndOfFile, d.AllocationSize} {
				b = le.AppendUint64(b, v)
			}
			b = le.AppendUint32(b, d.FileAttributes)
			b = le.AppendUint32(b, uint32(utf16le.EncodedLen(d.Name)))
			b = le.AppendUint32(b, d.EaSize)
			b = append(b, 0, 0)
			b = append(b, make([]byte, 24)...)
			b = append(b, 0, 0)
			b = le.AppendUint64(b, d.FileID)
		}
		b = utf16le.Append(b, d.Name)
		if i < len(es)-1 {
			for (len(b)-start)%8 != 0 {
				b = append(b, 0)
			}
			le.PutUint32(b[start:], uint32(len(b)-start))
		}
	}
	return b
}

// NotifyEntry is one FILE_NOTIFY_INFORMATION, MS-FSCC 2.7.1.
type NotifyEntry struct {
	Action uint32
	Name   string
}

const (
	FileActionAdded          uint32 = 1
	FileActionRemoved        uint32 = 2
	FileActionModified       uint32 = 3
	FileActionRenamedOldName uint32 = 4
	FileActionRenamedNewName uint32 = 5
)

func ParseNotify(buf []byte) ([]NotifyEntry, error) {
	const s = "FILE_NOTIFY_INFORMATION"
	var out []NotifyEntry
	for pos := 0; pos < len(buf); {
		if len(out) > len(buf)/12 {
			return nil, errf(s, "too many entries")
		}
		e := buf[pos:]
		if len(e) < 12 {
			return nil, short(s, 12, len(e))
		}
		n := le.Uint32(e[8:])
		if uint64(n) > uint64(len(e)-12) {
			return nil, errf(s, "FileNameLength %d past end", n)
		}
		name, err := decodeName(e[12:12+n], s)
		if err != nil {
			return nil, err
		}
		out = append(out, NotifyEntry{Action: le.Uint32(e[4:]), Name: name})
		next := le.Uint32(e)
		if next == 0 {
			break
		}
		if next < 12 || uint64(next) > uint64(len(e)) {
			return nil, errf(s, "NextEntryOffset %d invalid", next)
		}
		pos += int(next)
	}
	return out, nil
}
