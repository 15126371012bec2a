// Package fscc holds codecs for the MS-FSCC information classes that SMB2
// QUERY_INFO, SET_INFO and QUERY_DIRECTORY carry, and the MS-DTYP security
// identifiers inside them. Pure functions over byte slices; every decoder
// bounds-checks and returns *DecodeError on bad input.
package fscc

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/gosmb/gosmb/smb/internal/utf16le"
)

var le = binary.LittleEndian

// DecodeError reports a malformed information buffer.
type DecodeError struct {
	Struct string
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("fscc: malformed %s: %s", e.Struct, e.Reason)
}

func errf(s, format string, args ...any) error {
	return &DecodeError{Struct: s, Reason: fmt.Sprintf(format, args...)}
}

func short(s string, need, have int) error {
	return errf(s, "%d bytes, need at least %d", have, need)
}

// FileInfoClass numbers, MS-FSCC 2.4; 100 is the SMB3 POSIX extensions'
// FILE_POSIX_INFORMATION (query info and query directory).
type FileInfoClass uint8

const (
	FileDirectoryInformation          FileInfoClass = 1
	FileFullDirectoryInformation      FileInfoClass = 2
	FileBothDirectoryInformation      FileInfoClass = 3
	FileBasicInformationClass         FileInfoClass = 4
	FileStandardInformationClass      FileInfoClass = 5
	FileInternalInformationClass      FileInfoClass = 6
	FileEaInformationClass            FileInfoClass = 7
	FileAccessInformationClass        FileInfoClass = 8
	FileNameInformationClass          FileInfoClass = 9
	FileRenameInformationClass        FileInfoClass = 10
	FileLinkInformationClass          FileInfoClass = 11
	FileNamesInformation              FileInfoClass = 12
	FileDispositionInformationClass   FileInfoClass = 13
	FilePositionInformationClass      FileInfoClass = 14
	FileFullEaInformationClass        FileInfoClass = 15
	FileModeInformationClass          FileInfoClass = 16
	FileAlignmentInformationClass     FileInfoClass = 17
	FileAllInformation                FileInfoClass = 18
	FileAllocationInformationClass    FileInfoClass = 19
	FileEndOfFileInformationClass     FileInfoClass = 20
	FileAlternateNameInformation      FileInfoClass = 21
	FileStreamInformationClass        FileInfoClass = 22
	FileNetworkOpenInformationClass   FileInfoClass = 34
	FileAttributeTagInformation       FileInfoClass = 35
	FileIdBothDirectoryInformation    FileInfoClass = 37
	FileIdFullDirectoryInformation    FileInfoClass = 38
	FileDispositionInformationExClass FileInfoClass = 64
	FilePosixInformation              FileInfoClass = 100
)

// FsInfoClass numbers, MS-FSCC 2.5.
type FsInfoClass uint8

const (
	FileFsVolumeInformation        FsInfoClass = 1
	FileFsSizeInformation          FsInfoClass = 3
	FileFsDeviceInformation        FsInfoClass = 4
	FileFsAttributeInformation     FsInfoClass = 5
	FileFsFullSizeInformationClass FsInfoClass = 7
	FileFsSectorSizeInformation    FsInfoClass = 11
)

const FileFsFullSizeInformation = FileFsFullSizeInformationClass

// File attributes, MS-FSCC 2.6.
const (
	AttrReadonly          uint32 = 0x00000001
	AttrHidden            uint32 = 0x00000002
	AttrSystem            uint32 = 0x00000004
	AttrDirectory         uint32 = 0x00000010
	AttrArchive           uint32 = 0x00000020
	AttrNormal            uint32 = 0x00000080
	AttrTemporary         uint32 = 0x00000100
	AttrSparseFile        uint32 = 0x00000200
	AttrReparsePoint      uint32 = 0x00000400
	AttrCompressed        uint32 = 0x00000800
	AttrOffline           uint32 = 0x00001000
	AttrNotContentIndexed uint32 = 0x00002000
	AttrEncrypted         uint32 = 0x00004000
)

// FILETIME: 100 ns intervals since 1601-01-01 UTC, MS-DTYP 2.3.3.
const filetimeEpochDelta = 116444736000000000

// FiletimeToTime converts a FILETIME; 0 is the zero time.
func FiletimeToTime(ft uint64) time.Time {
	if ft == 0 {
		return time.Time{}
	}
	d := int64(ft - filetimeEpochDelta)
	return time.Unix(d/1e7, (d%1e7)*100).UTC()
}

// TimeToFiletime converts a time; the zero time is 0 ("don't change" in
// SET_INFO).
func TimeToFiletime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano()/100) + filetimeEpochDelta
}

// FiletimeNoChange and FiletimeStopUpdating are the SET_INFO special values.
const (
	FiletimeNoChange     uint64 = 0
	FiletimeStopUpdating uint64 = 0xFFFFFFFFFFFFFFFF
)

func decodeName(b []byte, s string) (string, error) {
	n, err := utf16le.Decode(b)
	if err != nil {
		return "", errf(s, "FileName: %v", err)
	}
	return n, nil
}
