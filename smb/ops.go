package smb

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
)

// FileInfo is what the layers above need to know about a file: the MS-FSCC
// attributes, plus owner and mode when the server speaks the POSIX
// extensions.
type FileInfo struct {
	Name       string
	Size       int64
	AllocSize  int64
	Attributes uint32
	Btime      time.Time
	Atime      time.Time
	Mtime      time.Time
	Ctime      time.Time
	FileID     uint64 // the server's file id: stable inode numbers
	Nlink      uint32
	ReparseTag uint32

	POSIX bool   // Mode, UID and GID are valid
	Mode  uint32 // permission and type bits as the server reports them
	UID   uint32
	GID   uint32
}

// IsDir reports a directory.
func (fi *FileInfo) IsDir() bool { return fi.Attributes&fscc.AttrDirectory != 0 }

// IsReparse reports a reparse point (symlink or special file).
func (fi *FileInfo) IsReparse() bool { return fi.Attributes&fscc.AttrReparsePoint != 0 }

// IsSymlink reports a symbolic link: a reparse point with the symlink tag
// (how Samba hands a POSIX symlink to a client, and how Windows stores one).
func (fi *FileInfo) IsSymlink() bool {
	return fi.IsReparse() && fi.ReparseTag == fscc.ReparseTagSymlink
}

// maxInfoSize bounds a QUERY_INFO or QUERY_DIRECTORY output buffer.
const maxInfoSize = 64 << 10

// compound sends a CREATE followed by related requests on the same handle
// and a CLOSE, in one round trip (MS-SMB2 3.2.4.1.4). It returns the
// responses of the middle requests; the first failing status wins.
func (t *Tree) compound(ctx context.Context, path string, create wire.CreateRequest, middle ...*Request) ([]*Response, error) {
	return t.compoundAfter(ctx, nil, path, create, middle...)
}

// compoundAfter is compound with unrelated requests ahead of the CREATE in
// the same frame (CLOSEs of handles that must be gone first).
func (t *Tree) compoundAfter(ctx context.Context, pre []*Request, path string, create wire.CreateRequest, middle ...*Request) ([]*Response, error) {
	t.prepareCreate(path, &create)
	reqs := make([]*Request, 0, len(pre)+len(middle)+2)
	reqs = append(reqs, pre...)
	reqs = append(reqs, &Request{Cmd: wire.CmdCreate, Body: &create, Late: t.closeLate})
	for _, m := range middle {
		m.Related = true
		reqs = append(reqs, m)
	}
	reqs = append(reqs, &Request{Cmd: wire.CmdClose, Related: true, Body: &wire.CloseRequest{FileID: wire.FileIDAny}})
	resps, err := t.roundTrip(ctx, reqs...)
	if err != nil {
		return nil, err
	}
	resps = resps[len(pre):]
	if st := resps[0].Status(); st != wire.StatusSuccess {
		return nil, t.statusErr(wire.CmdCreate, st, create.Name)
	}
	for i, r := range resps[1 : len(resps)-1] {
		if st := r.Status(); st.IsError() {
			return nil, t.statusErr(middle[i].Cmd, st, create.Name)
		}
	}
	return resps[1 : len(resps)-1], nil
}

// Stat returns a file's attributes with one compound round trip:
// CREATE + QUERY_INFO + CLOSE.
func (t *Tree) Stat(ctx context.Context, path string) (*FileInfo, error) {
	resps, err := t.compound(ctx, path, wire.CreateRequest{
		DesiredAccess:     wire.FileReadAttributes,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
		CreateOptions:     wire.FileOpenReparsePoint,
	}, t.statRequest())
	if err != nil {
		return nil, err
	}
	return t.statResult(resps[0], path)
}

func fileInfoFromAll(buf []byte) (*FileInfo, error) {
	a, err := fscc.ParseFileAllInformation(buf)
	if err != nil {
		return nil, err
	}
	return &FileInfo{
		Size:       int64(a.Standard.EndOfFile),
		AllocSize:  int64(a.Standard.AllocationSize),
		Attributes: a.Basic.FileAttributes,
		Btime:      fscc.FiletimeToTime(a.Basic.CreationTime),
		Atime:      fscc.FiletimeToTime(a.Basic.LastAccessTime),
		Mtime:      fscc.FiletimeToTime(a.Basic.LastWriteTime),
		Ctime:      fscc.FiletimeToTime(a.Basic.ChangeTime),
		FileID:     a.Internal.IndexNumber,
		Nlink:      a.Standard.NumberOfLinks,
	}, nil
}

func fileInfoFromPOSIX(buf []byte) (*FileInfo, error) {
	p, err := fscc.ParseFilePosixInformation(buf)
	if err != nil {
		return nil, err
	}
	fi := &FileInfo{
		Size:       int64(p.EndOfFile),
		AllocSize:  int64(p.AllocationSize),
		Attributes: p.FileAttributes,
		Btime:      fscc.FiletimeToTime(p.CreationTime),
		Atime:      fscc.FiletimeToTime(p.LastAccessTime),
		Mtime:      fscc.FiletimeToTime(p.LastWriteTime),
		Ctime:      fscc.FiletimeToTime(p.ChangeTime),
		FileID:     p.Inode,
		Nlink:      p.HardLinks,
		ReparseTag: p.ReparseTag,
		POSIX:      true,
		Mode:       p.Mode,
	}
	fi.UID, fi.GID = posixOwner(p.Owner, p.Group)
	return fi, nil
}

// posixOwner maps Samba's unix SIDs (S-1-22-1-uid, S-1-22-2-gid) to ids;
// other SIDs map to the nobody ids.
func posixOwner(owner, group fscc.SID) (uid, gid uint32) {
	uid, gid = 65534, 65534
	if id, ok := owner.UnixUID(); ok {
		uid = id
	}
	if id, ok := group.UnixGID(); ok {
		gid = id
	}
	return uid, gid
}

func fileInfoFromDirEntry(e *fscc.DirEntry) FileInfo {
	fi := FileInfo{
		Name:       e.Name,
		Size:       int64(e.EndOfFile),
		AllocSize:  int64(e.AllocationSize),
		Attributes: e.FileAttributes,
		Btime:      fscc.FiletimeToTime(e.CreationTime),
		Atime:      fscc.FiletimeToTime(e.LastAccessTime),
		Mtime:      fscc.FiletimeToTime(e.LastWriteTime),
		Ctime:      fscc.FiletimeToTime(e.ChangeTime),
		FileID:     e.FileID,
		ReparseTag: e.ReparseTag,
		Nlink:      1,
	}
	if e.POSIX {
		fi.POSIX = true
		fi.Mode = e.Mode
		fi.Nlink = e.Nlinks
		fi.FileID = e.Inode
		fi.UID, fi.GID = posixOwner(e.Owner, e.Group)
	}
	return fi
}

// ReadDir lists a directory (without "." and ".."), with attributes from the
// listing itself: no round trip per entry. The first QUERY_DIRECTORY rides
// in the same compound as the CREATE.
func (t *Tree) ReadDir(ctx context.Context, path string) ([]FileInfo, error) {
	dir, err := t.Create(ctx, path, wire.CreateRequest{
		DesiredAccess:     wire.FileListDirectory | wire.FileReadAttributes | wire.Synchronize,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
		CreateOptions:     wire.FileDirectoryFile,
	})
	if err != nil {
		return nil, err
	}
	defer dir.Close(context.Background())
	return dir.ReadDirAll(ctx)
}

// ReadDirAll lists an open directory from its start.
func (f *File) ReadDirAll(ctx context.Context) ([]FileInfo, error) {
	class := uint8(fscc.FileIdBothDirectoryInformation)
	if f.t.s.conn.posix {
		class = uint8(fscc.FilePosixInformation)
	}
	outLen := min(int(f.t.s.conn.maxTransact), 1<<20)
	var out []FileInfo
	flags := uint8(wire.RestartScans)
	for {
		buf, err := f.QueryDirectory(ctx, class, flags, "*", outLen)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		flags = 0
		entries, err := fscc.ParseDirectory(fscc.FileInfoClass(class), buf)
		if err != nil {
			return nil, f.t.s.conn.protocolErr(err)
		}
		if len(entries) == 0 {
			return out, nil
		}
		for i := range entries {
			if entries[i].Name == "." || entries[i].Name == ".." {
				continue
			}
			out = append(out, fileInfoFromDirEntry(&entries[i]))
		}
	}
}

// Mkdir creates a directory with mode (on a POSIX connection) and returns
// its attributes: CREATE + QUERY_INFO + CLOSE, one round trip.
func (t *Tree) Mkdir(ctx context.Context, path string, mode uint32) (*FileInfo, error) {
	req := wire.CreateRequest{
		DesiredAccess:     wire.FileReadAttributes,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileCreate,
		CreateOptions:     wire.FileDirectoryFile,
		FileAttributes:    fscc.AttrDirectory,
	}
	if t.s.conn.posix {
		req.Contexts = []wire.CreateContext{{Name: wire.CtxPOSIXCreate, Data: wire.POSIXCreateRequest(mode & 0o7777)}}
	}
	resps, err := t.compound(ctx, path, req, t.statRequest())
	if err != nil {
		return nil, err
	}
	return t.statResult(resps[0], path)
}

// SetInfo is one SET_INFO of a file information class.
// A zero Type is a file information class; wire.InfoSecurity with
// Additional (the parts of the descriptor) sets a security descriptor.
type SetInfo struct {
	Class      fscc.FileInfoClass
	Buffer     []byte
	Type       uint8
	Additional uint32
}

func setInfoRequests(sets []SetInfo) []*Request {
	out := make([]*Request, len(sets))
	for i, s := range sets {
		typ := s.Type
		if typ == 0 {
			typ = wire.InfoFile
		}
		out[i] = &Request{Cmd: wire.CmdSetInfo, Body: &wire.SetInfoRequest{
			InfoType: typ, FileInfoClass: uint8(s.Class), AdditionalInformation: s.Additional, FileID: wire.FileIDAny, Buffer: s.Buffer,
		}}
	}
	return out
}

// SetInfoStat applies sets to a path and returns the attributes after them:
// CREATE + SET_INFO... + QUERY_INFO + CLOSE, one round trip. A non-nil
// lease opens under that lease (the caller's own lease key and directory
// lease), so that neither is broken by it.
func (t *Tree) SetInfoStat(ctx context.Context, path string, access uint32, lease *Lease, sets ...SetInfo) (*FileInfo, error) {
	middle := append(setInfoRequests(sets), t.statRequest())
	req := wire.CreateRequest{
		DesiredAccess:     access | wire.FileReadAttributes,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
		CreateOptions:     wire.FileOpenReparsePoint,
	}
	if lease != nil {
		t.RequestLease(&req, *lease)
	}
	resps, err := t.compound(ctx, path, req, middle...)
	if err != nil {
		return nil, err
	}
	return t.statResult(resps[len(resps)-1], path)
}

// SetInfoStat applies sets to the open handle and returns the attributes
// after them, in one compound of related requests.
func (f *File) SetInfoStat(ctx context.Context, sets ...SetInfo) (*FileInfo, error) {
	return f.WriteSetInfoStat(ctx, 0, nil, sets...)
}

// WriteSetInfoStat writes data at off (when there is any), applies sets and
// returns the attributes after them: WRITE + SET_INFO... + QUERY_INFO in
// one compound on the handle (a small file's data, its times, and the stat
// the kernel wants back, in one round trip).
func (f *File) WriteSetInfoStat(ctx context.Context, off int64, data []byte, sets ...SetInfo) (*FileInfo, error) {
	var reqs []*Request
	if len(data) > 0 {
		if len(data) > f.t.s.conn.MaxWrite() {
			return nil, fmt.Errorf("smb: %d bytes do not fit one WRITE", len(data))
		}
		reqs = append(reqs, &Request{Cmd: wire.CmdWrite, Body: writeHeader{&wire.WriteRequest{
			Offset: uint64(off), FileID: f.ID, Data: data,
		}}, Tail: data, Payload: len(data)})
	}
	reqs = append(reqs, setInfoRequests(sets)...)
	reqs = append(reqs, f.t.statRequest())
	for i, r := range reqs {
		if i == 0 {
			switch b := r.Body.(type) {
			case *wire.SetInfoRequest:
				b.FileID = f.ID
			case *wire.QueryInfoRequest:
				b.FileID = f.ID
			}
			continue
		}
		r.Related = true
	}
	resps, err := f.t.roundTrip(ctx, reqs...)
	if err != nil {
		return nil, err
	}
	for i, r := range resps {
		if st := r.Status(); st.IsError() {
			return nil, f.t.statusErr(reqs[i].Cmd, st, f.Name)
		}
	}
	if len(data) > 0 {
		wr, err := wire.ParseWriteResponse(resps[0].Msg)
		if err != nil {
			return nil, f.t.s.conn.protocolErr(err)
		}
		if int(wr.Count) != len(data) {
			return nil, fmt.Errorf("smb: short write to %s: %d of %d bytes", f.Name, wr.Count, len(data))
		}
	}
	return f.t.statResult(resps[len(resps)-1], f.Name)
}

// statRequest is the QUERY_INFO a stat sends: FILE_POSIX_INFORMATION on a
// POSIX connection, FileAllInformation otherwise.
func (t *Tree) statRequest() *Request {
	class := uint8(fscc.FileAllInformation)
	if t.s.conn.posix {
		class = uint8(fscc.FilePosixInformation)
	}
	return &Request{Cmd: wire.CmdQueryInfo, Body: &wire.QueryInfoRequest{
		InfoType: wire.InfoFile, FileInfoClass: class, OutputBufferLength: maxInfoSize, FileID: wire.FileIDAny,
	}, Payload: maxInfoSize}
}

func (t *Tree) statResult(resp *Response, path string) (*FileInfo, error) {
	buf, err := t.queryInfoResult(resp, t.WirePath(path))
	if err != nil {
		return nil, err
	}
	fi, err := t.fileInfo(buf)
	if err != nil {
		return nil, err
	}
	fi.Name = path[lastSlash(path)+1:]
	return fi, nil
}

// Remove deletes a file, or an empty directory when dir is set: CREATE +
// SET_INFO(FileDispositionInformation) + CLOSE, as cifs.ko does, so that
// STATUS_DIRECTORY_NOT_EMPTY and sharing errors come back from SET_INFO
// instead of being lost in the CLOSE of a delete-on-close open.
//
// Handles in closing are closed first, in the same compound.
func (t *Tree) Remove(ctx context.Context, path string, dir bool, lease *Lease, closing ...*File) error {
	opts := wire.FileOpenReparsePoint
	if dir {
		opts |= wire.FileDirectoryFile
	} else {
		opts |= wire.FileNonDirectoryFile
	}
	set := &Request{Cmd: wire.CmdSetInfo, Body: &wire.SetInfoRequest{
		InfoType: wire.InfoFile, FileInfoClass: uint8(fscc.FileDispositionInformationClass), FileID: wire.FileIDAny,
		Buffer: (&fscc.FileDispositionInformation{DeletePending: true}).Append(nil),
	}}
	var pre []*Request
	for _, f := range closing {
		if r := f.closeRequest(); r != nil {
			pre = append(pre, r)
		}
	}
	req := wire.CreateRequest{
		DesiredAccess:     wire.Delete | wire.FileReadAttributes,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
		CreateOptions:     opts,
	}
	if lease != nil {
		t.RequestLease(&req, *lease)
	}
	_, err := t.compoundAfter(ctx, pre, path, req, set)
	return err
}

// Rename moves oldPath to newPath (both relative to the share), replacing an
// existing target when replace is set: CREATE + SET_INFO + CLOSE.
func (t *Tree) Rename(ctx context.Context, oldPath, newPath string, replace bool, lease *Lease) error {
	info := (&fscc.FileRenameInformation{ReplaceIfExists: replace, FileName: t.WirePath(newPath)}).Append(nil)
	set := &Request{Cmd: wire.CmdSetInfo, Body: &wire.SetInfoRequest{
		InfoType: wire.InfoFile, FileInfoClass: uint8(fscc.FileRenameInformationClass), FileID: wire.FileIDAny, Buffer: info,
	}}
	req := wire.CreateRequest{
		DesiredAccess:     wire.Delete | wire.FileReadAttributes | wire.Synchronize,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
		CreateOptions:     wire.FileOpenReparsePoint,
	}
	if lease != nil {
		t.RequestLease(&req, *lease)
	}
	_, err := t.compound(ctx, oldPath, req, set)
	return err
}

// SetInfoPath sets an info class on a path without keeping it open.
func (t *Tree) SetInfoPath(ctx context.Context, path string, access uint32, class uint8, buf []byte) error {
	set := &Request{Cmd: wire.CmdSetInfo, Body: &wire.SetInfoRequest{
		InfoType: wire.InfoFile, FileInfoClass: class, FileID: wire.FileIDAny, Buffer: buf,
	}}
	_, err := t.compound(ctx, path, wire.CreateRequest{
		DesiredAccess:     access | wire.FileReadAttributes,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
		CreateOptions:     wire.FileOpenReparsePoint,
	}, set)
	return err
}

// StatFS returns the share's size information (FileFsFullSizeInformation).
func (t *Tree) StatFS(ctx context.Context) (*fscc.FsFullSize, error) {
	q := &Request{Cmd: wire.CmdQueryInfo, Body: &wire.QueryInfoRequest{
		InfoType: wire.InfoFilesystem, FileInfoClass: uint8(fscc.FileFsFullSizeInformation), OutputBufferLength: 64, FileID: wire.FileIDAny,
	}}
	resps, err := t.compound(ctx, "", wire.CreateRequest{
		DesiredAccess:     wire.FileReadAttributes,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
		CreateOptions:     wire.FileDirectoryFile,
	}, q)
	if err != nil {
		return nil, err
	}
	buf, err := t.queryInfoResult(resps[0], "")
	if err != nil {
		return nil, err
	}
	fs, err := fscc.ParseFileFsFullSizeInformation(buf)
	if err != nil {
		return nil, t.s.conn.protocolErr(err)
	}
	return fs, nil
}

// Stat queries an open handle's attributes, for files that may have no
// name any more (unlinked while open).
func (f *File) Stat(ctx context.Context) (*FileInfo, error) { return f.SetInfoStat(ctx) }

// fileInfo decodes the info class Stat asked for: FILE_POSIX_INFORMATION on
// a POSIX connection, FileAllInformation otherwise.
func (t *Tree) fileInfo(buf []byte) (*FileInfo, error) {
	var fi *FileInfo
	var err error
	if t.s.conn.posix {
		fi, err = fileInfoFromPOSIX(buf)
	} else {
		fi, err = fileInfoFromAll(buf)
	}
	if err != nil {
		return nil, t.s.conn.protocolErr(err)
	}
	return fi, nil
}

// maxReparse bounds a reparse point's data (MS-FSCC 2.3.29: 16 KiB).
const maxReparse = 16 << 10

// ReparseData returns the reparse point data of path (FSCTL_GET_REPARSE_POINT),
// in one compound round trip: CREATE + IOCTL + CLOSE.
func (t *Tree) ReparseData(ctx context.Context, path string) ([]byte, error) {
	resps, err := t.compound(ctx, path, wire.CreateRequest{
		DesiredAccess:     wire.FileReadAttributes,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
		CreateOptions:     wire.FileOpenReparsePoint,
	}, &Request{Cmd: wire.CmdIoctl, Body: &wire.IoctlRequest{
		CtlCode: wire.FsctlGetReparsePoint, FileID: wire.FileIDAny, MaxOutputResponse: maxReparse, Flags: wire.IoctlIsFsctl,
	}, Payload: maxReparse})
	if err != nil {
		return nil, err
	}
	ir, err := wire.ParseIoctlResponse(resps[0].Msg)
	if err != nil {
		return nil, t.s.conn.protocolErr(err)
	}
	return ir.Output, nil
}

// Readlink returns the target of the symbolic link at path. A Windows
// server's absolute target (\??\C:\dir) comes back as C:/dir: nothing on
// the client can follow it, but it reads as what it is.
func (t *Tree) Readlink(ctx context.Context, path string) (string, error) {
	b, err := t.ReparseData(ctx, path)
	if err != nil {
		return "", err
	}
	l, err := fscc.ParseSymlink(b)
	if err != nil {
		return "", t.s.conn.protocolErr(err)
	}
	target := l.Target
	if !t.s.conn.posix { // POSIX names may hold a backslash; Windows paths use it as separator
		target = strings.ReplaceAll(strings.TrimPrefix(target, `\??\`), `\`, "/")
	}
	return target, nil
}

// Symlink makes path a symbolic link to target: a new file turned into a
// reparse point with the symlink tag. lease, if not nil, carries the
// parent directory's lease key.
func (t *Tree) Symlink(ctx context.Context, path, target string, lease *Lease) (*FileInfo, error) {
	l := fscc.Symlink{Target: target, Relative: !strings.HasPrefix(target, "/")}
	return t.createReparse(ctx, path, l.Append(nil), lease)
}

// Mknod makes path a FIFO, socket or device: a new file turned into a
// reparse point in the NFS format.
func (t *Tree) Mknod(ctx context.Context, path string, sp fscc.NFSSpecial, lease *Lease) (*FileInfo, error) {
	return t.createReparse(ctx, path, sp.Append(nil), lease)
}

// createReparse creates path and sets reparse data on it
// (FSCTL_SET_REPARSE_POINT), in one compound round trip that also returns
// its attributes.
func (t *Tree) createReparse(ctx context.Context, path string, data []byte, lease *Lease) (*FileInfo, error) {
	req := wire.CreateRequest{
		DesiredAccess:     wire.GenericWrite | wire.FileReadAttributes | wire.FileWriteAttributes,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileCreate,
		CreateOptions:     wire.FileOpenReparsePoint | wire.FileNonDirectoryFile,
	}
	if lease != nil {
		t.RequestLease(&req, *lease)
	}
	resps, err := t.compound(ctx, path, req, &Request{Cmd: wire.CmdIoctl, Body: &wire.IoctlRequest{
		CtlCode: wire.FsctlSetReparsePoint, FileID: wire.FileIDAny, Input: data, Flags: wire.IoctlIsFsctl,
	}, Payload: len(data)}, t.statRequest())
	if err != nil {
		return nil, err
	}
	return t.statResult(resps[1], path)
}

// Device returns the major and minor numbers of the device at path, from
// its NFS reparse data.
func (t *Tree) Device(ctx context.Context, path string) (major, minor uint32, err error) {
	b, err := t.ReparseData(ctx, path)
	if err != nil {
		return 0, 0, err
	}
	sp, err := fscc.ParseNFSSpecial(b)
	if err != nil {
		return 0, 0, t.s.conn.protocolErr(err)
	}
	return sp.Major, sp.Minor, nil
}
