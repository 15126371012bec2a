package smb

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/gosmb/gosmb/smb/wire"
)

// File is an open handle on a tree, MS-SMB2 3.2.1.6. Its methods are safe for
// concurrent use; ReadAt and WriteAt split large transfers into several
// READs or WRITEs in flight at once.
type File struct {
	t      *Tree
	ID     wire.FileID
	Name   string
	Create *wire.CreateResponse

	closeOnce sync.Once
	closeErr  error
}

// Tree returns the file's tree.
func (f *File) Tree() *Tree { return f.t }

var errClosedInCompound = errors.New("smb: handle closed")

// maxInFlight bounds the READs or WRITEs one ReadAt or WriteAt keeps
// outstanding; the credit window bounds the connection as a whole.
const maxInFlight = 16

// defaultIOSize is the chunk size of one READ or WRITE when the caller sets
// none: the server's maximum, capped at 4 MiB as cifs's default rsize/wsize.
const defaultIOSize = 4 << 20

// path-qualified status error
func (t *Tree) statusErr(cmd wire.Command, st wire.Status, path string) error {
	return &StatusError{Cmd: cmd, Status: st, Server: t.s.conn.server, Share: t.share, Path: path}
}

func (t *Tree) roundTrip(ctx context.Context, reqs ...*Request) ([]*Response, error) {
	for _, r := range reqs {
		r.TreeID = t.id
	}
	return t.s.conn.roundTrip(ctx, t.s, reqs...)
}

// WirePath converts a slash-separated path relative to the share to the
// form the server expects, without leading separators: backslashes
// normally, but slashes on a POSIX-extensions connection, where Samba takes
// a backslash as an ordinary character of a name.
func (t *Tree) WirePath(p string) string {
	if t.s.conn.posix {
		return strings.Trim(p, "/")
	}
	p = strings.ReplaceAll(p, "/", `\`)
	return strings.Trim(p, `\`)
}

// prepareCreate fills the defaults of a CREATE: the path, impersonation,
// and on a POSIX connection the POSIX create context (Samba serves POSIX
// info levels only on handles opened with it). The context's mode applies
// when the open creates the file; callers that care pass their own.
func (t *Tree) prepareCreate(name string, req *wire.CreateRequest) {
	req.Name = t.WirePath(name)
	if req.ImpersonationLevel == 0 {
		req.ImpersonationLevel = wire.ImpersonationImpersonation
	}
	if !t.s.conn.posix {
		return
	}
	for _, c := range req.Contexts {
		if c.Name == wire.CtxPOSIXCreate {
			return
		}
	}
	mode := uint32(0o644)
	if req.CreateOptions&wire.FileDirectoryFile != 0 {
		mode = 0o755
	}
	req.Contexts = append(req.Contexts, wire.CreateContext{Name: wire.CtxPOSIXCreate, Data: wire.POSIXCreateRequest(mode)})
}

// Create opens or creates name with req (req.Name is set from name).
func (t *Tree) Create(ctx context.Context, name string, req wire.CreateRequest) (*File, error) {
	t.prepareCreate(name, &req)
	r := &Request{Cmd: wire.CmdCreate, Body: &req}
	r.Late = t.closeLate
	resps, err := t.roundTrip(ctx, r)
	if err != nil {
		return nil, err
	}
	resp := resps[0]
	if st := resp.Status(); st != wire.StatusSuccess {
		return nil, t.statusErr(wire.CmdCreate, st, req.Name)
	}
	cr, err := wire.ParseCreateResponse(resp.Msg)
	if err != nil {
		return nil, t.s.conn.protocolErr(err)
	}
	return &File{t: t, ID: cr.FileID, Name: req.Name, Create: cr}, nil
}

// closeLate closes a handle that a CREATE opened after its caller gave up,
// so cancellation never leaks server handles.
func (t *Tree) closeLate(resp *Response) {
	if resp.Status() != wire.StatusSuccess {
		return
	}
	cr, err := wire.ParseCreateResponse(resp.Msg)
	if err != nil {
		return
	}
	f := &File{t: t, ID: cr.FileID}
	_, _ = f.Close(context.Background())
}

// closeRequest returns the CLOSE of the handle for a caller's compound and
// marks the handle closed, or nil if it was closed already.
func (f *File) closeRequest() *Request {
	var r *Request
	f.closeOnce.Do(func() {
		f.closeErr = errClosedInCompound
		r = &Request{Cmd: wire.CmdClose, Body: &wire.CloseRequest{FileID: f.ID}}
	})
	return r
}

// Open opens an existing file or directory for reading.
func (t *Tree) Open(ctx context.Context, name string) (*File, error) {
	return t.Create(ctx, name, wire.CreateRequest{
		DesiredAccess:     wire.GenericRead,
		ShareAccess:       wire.ShareRead | wire.ShareWrite | wire.ShareDelete,
		CreateDisposition: wire.FileOpen,
	})
}

// Close closes the handle and returns the attributes the server reports at
// close (MS-SMB2 2.2.16 with SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB).
func (f *File) Close(ctx context.Context) (*wire.CloseResponse, error) {
	var cr *wire.CloseResponse
	f.closeOnce.Do(func() {
		resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdClose, Body: &wire.CloseRequest{Flags: wire.ClosePostQueryAttrib, FileID: f.ID}})
		if err != nil {
			f.closeErr = err
			return
		}
		if st := resps[0].Status(); st != wire.StatusSuccess {
			f.closeErr = f.t.statusErr(wire.CmdClose, st, f.Name)
			return
		}
		cr, f.closeErr = wire.ParseCloseResponse(resps[0].Msg)
	})
	return cr, f.closeErr
}

func (f *File) ioSize(max int) int {
	n := defaultIOSize
	if max < n {
		n = max
	}
	return n
}

// ReadAt reads len(p) bytes at off. It returns io.EOF, as io.ReaderAt does,
// when fewer bytes exist.
func (f *File) ReadAt(ctx context.Context, p []byte, off int64) (int, error) {
	return f.ReadAtSize(ctx, p, off, 0)
}

// ReadAtSize is ReadAt with a chunk size (rsize); 0 picks the default.
func (f *File) ReadAtSize(ctx context.Context, p []byte, off int64, chunk int) (int, error) {
	chunk = f.chunkSize(chunk, f.t.s.conn.MaxRead())
	if len(p) <= chunk {
		return f.readOne(ctx, p, off)
	}
	results := fanOut(ctx, len(p), chunk, func(ctx context.Context, lo, hi int) (int, error) {
		return f.readOne(ctx, p[lo:hi], off+int64(lo))
	})
	total := 0
	for _, r := range results {
		total += r.n
		if r.err != nil {
			return total, r.err
		}
		if r.n < chunk && total < len(p) {
			// A short read in the middle is end of file.
			return total, io.EOF
		}
	}
	return total, nil
}

func (f *File) chunkSize(chunk, serverMax int) int {
	if chunk <= 0 {
		chunk = f.ioSize(serverMax)
	}
	return min(chunk, serverMax)
}

type piece struct {
	n   int
	err error
}

// fanOut runs op over [0,size) in chunks, up to maxInFlight at once, and
// returns each chunk's result in order. The first failure (other than
// io.EOF) cancels the chunks still to run.
func fanOut(ctx context.Context, size, chunk int, op func(ctx context.Context, lo, hi int) (int, error)) []piece {
	n := (size + chunk - 1) / chunk
	results := make([]piece, n)
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i := 0; i < n; i++ {
		lo, hi := i*chunk, min((i+1)*chunk, size)
		sem <- struct{}{}
		wg.Add(1)
		go func(i, lo, hi int) {
			defer func() { <-sem; wg.Done() }()
			done, err := op(ctx, lo, hi)
			results[i] = piece{done, err}
			if err != nil && err != io.EOF {
				cancel()
			}
		}(i, lo, hi)
	}
	wg.Wait()
	return results
}

func (f *File) readOne(ctx context.Context, p []byte, off int64) (int, error) {
	total := 0
	for total < len(p) {
		req := &wire.ReadRequest{ReadLength: uint32(len(p) - total), Offset: uint64(off) + uint64(total), FileID: f.ID}
		resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdRead, Body: req, Payload: len(p) - total})
		if err != nil {
			return total, err
		}
		st := resps[0].Status()
		if st == wire.StatusEndOfFile {
			return total, io.EOF
		}
		if st != wire.StatusSuccess {
			return total, f.t.statusErr(wire.CmdRead, st, f.Name)
		}
		rr, err := wire.ParseReadResponse(resps[0].Msg)
		if err != nil {
			return total, f.t.s.conn.protocolErr(err)
		}
		if len(rr.Data) > len(p)-total {
			return total, f.t.s.conn.protocolErr(errReadOverflow)
		}
		n := copy(p[total:], rr.Data)
		total += n
		if n == 0 {
			return total, io.EOF
		}
	}
	return total, nil
}

// ReadBuf reads up to n bytes at off with one READ (n at most MaxRead) and
// returns the data where it arrived, without copying: fewer bytes only at
// end of file, and io.EOF with none.
func (f *File) ReadBuf(ctx context.Context, off int64, n int) ([]byte, error) {
	req := &wire.ReadRequest{ReadLength: uint32(n), Offset: uint64(off), FileID: f.ID}
	resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdRead, Body: req, Payload: n})
	if err != nil {
		return nil, err
	}
	switch st := resps[0].Status(); st {
	case wire.StatusSuccess:
	case wire.StatusEndOfFile:
		return nil, io.EOF
	default:
		return nil, f.t.statusErr(wire.CmdRead, st, f.Name)
	}
	rr, err := wire.ParseReadResponse(resps[0].Msg)
	if err != nil {
		return nil, f.t.s.conn.protocolErr(err)
	}
	if len(rr.Data) > n {
		return nil, f.t.s.conn.protocolErr(errReadOverflow)
	}
	if len(rr.Data) == 0 {
		return nil, io.EOF
	}
	return rr.Data, nil
}

// WriteAt writes p at off.
func (f *File) WriteAt(ctx context.Context, p []byte, off int64) (int, error) {
	return f.WriteAtSize(ctx, p, off, 0)
}

// WriteAtSize is WriteAt with a chunk size (wsize); 0 picks the default.
func (f *File) WriteAtSize(ctx context.Context, p []byte, off int64, chunk int) (int, error) {
	chunk = f.chunkSize(chunk, f.t.s.conn.MaxWrite())
	if len(p) <= chunk {
		return f.writeOne(ctx, p, off)
	}
	results := fanOut(ctx, len(p), chunk, func(ctx context.Context, lo, hi int) (int, error) {
		return f.writeOne(ctx, p[lo:hi], off+int64(lo))
	})
	// Report the bytes written before the first failed chunk, as
	// io.WriterAt requires a count that is a prefix.
	for i, r := range results {
		if r.err != nil {
			return i*chunk + r.n, r.err
		}
	}
	return len(p), nil
}

func (f *File) writeOne(ctx context.Context, p []byte, off int64) (int, error) {
	total := 0
	for total < len(p) || len(p) == 0 {
		req := &wire.WriteRequest{Offset: uint64(off) + uint64(total), FileID: f.ID, Data: p[total:]}
		r := &Request{Cmd: wire.CmdWrite, Body: writeHeader{req}, Tail: p[total:], Payload: len(p) - total}
		if len(p) == 0 {
			r.Body, r.Tail = req, nil
		}
		resps, err := f.t.roundTrip(ctx, r)
		if err != nil {
			return total, err
		}
		if st := resps[0].Status(); st != wire.StatusSuccess {
			return total, f.t.statusErr(wire.CmdWrite, st, f.Name)
		}
		wr, err := wire.ParseWriteResponse(resps[0].Msg)
		if err != nil {
			return total, f.t.s.conn.protocolErr(err)
		}
		if int(wr.Count) > len(p)-total {
			return total, f.t.s.conn.protocolErr(errWriteOverflow)
		}
		if len(p) == 0 {
			return 0, nil
		}
		if wr.Count == 0 {
			return total, io.ErrShortWrite
		}
		total += int(wr.Count)
	}
	return total, nil
}

// Flush asks the server to write cached data to stable storage.
func (f *File) Flush(ctx context.Context) error {
	resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdFlush, Body: &wire.FlushRequest{FileID: f.ID}})
	if err != nil {
		return err
	}
	if st := resps[0].Status(); st != wire.StatusSuccess {
		return f.t.statusErr(wire.CmdFlush, st, f.Name)
	}
	return nil
}

// QueryInfo returns an info buffer, MS-SMB2 3.2.4.14.
func (f *File) QueryInfo(ctx context.Context, infoType, class uint8, addl uint32, outLen int) ([]byte, error) {
	req := &wire.QueryInfoRequest{InfoType: infoType, FileInfoClass: class, OutputBufferLength: uint32(outLen), AdditionalInformation: addl, FileID: f.ID}
	resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdQueryInfo, Body: req, Payload: outLen})
	if err != nil {
		return nil, err
	}
	return f.t.queryInfoResult(resps[0], f.Name)
}

func (t *Tree) queryInfoResult(resp *Response, path string) ([]byte, error) {
	if st := resp.Status(); st != wire.StatusSuccess {
		return nil, t.statusErr(wire.CmdQueryInfo, st, path)
	}
	qr, err := wire.ParseQueryInfoResponse(resp.Msg)
	if err != nil {
		return nil, t.s.conn.protocolErr(err)
	}
	return qr.Buffer, nil
}

// SetInfo sets an info class, MS-SMB2 3.2.4.15.
func (f *File) SetInfo(ctx context.Context, infoType, class uint8, addl uint32, buf []byte) error {
	req := &wire.SetInfoRequest{InfoType: infoType, FileInfoClass: class, AdditionalInformation: addl, FileID: f.ID, Buffer: buf}
	resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdSetInfo, Body: req})
	if err != nil {
		return err
	}
	if st := resps[0].Status(); st != wire.StatusSuccess {
		return f.t.statusErr(wire.CmdSetInfo, st, f.Name)
	}
	return nil
}

// QueryDirectory returns one buffer of directory entries; io.EOF when the
// listing is complete (STATUS_NO_MORE_FILES).
func (f *File) QueryDirectory(ctx context.Context, class uint8, flags uint8, pattern string, outLen int) ([]byte, error) {
	req := &wire.QueryDirectoryRequest{FileInfoClass: class, Flags: flags, FileID: f.ID, Pattern: pattern, OutputBufferLength: uint32(outLen)}
	resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdQueryDirectory, Body: req, Payload: outLen})
	if err != nil {
		return nil, err
	}
	st := resps[0].Status()
	if st == wire.StatusNoMoreFiles {
		return nil, io.EOF
	}
	if st != wire.StatusSuccess {
		return nil, f.t.statusErr(wire.CmdQueryDirectory, st, f.Name)
	}
	qr, err := wire.ParseQueryDirectoryResponse(resps[0].Msg)
	if err != nil {
		return nil, f.t.s.conn.protocolErr(err)
	}
	return qr.Buffer, nil
}

// Ioctl issues an FSCTL on the handle and returns its output.
func (f *File) Ioctl(ctx context.Context, code uint32, in []byte, maxOut int) ([]byte, error) {
	req := &wire.IoctlRequest{CtlCode: code, FileID: f.ID, Input: in, MaxOutputResponse: uint32(maxOut), Flags: wire.IoctlIsFsctl}
	resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdIoctl, Body: req, Payload: max(len(in), maxOut)})
	if err != nil {
		return nil, err
	}
	st := resps[0].Status()
	if st != wire.StatusSuccess && st != wire.StatusBufferOverflow {
		return nil, f.t.statusErr(wire.CmdIoctl, st, f.Name)
	}
	ir, err := wire.ParseIoctlResponse(resps[0].Msg)
	if err != nil {
		return nil, f.t.s.conn.protocolErr(err)
	}
	if st == wire.StatusBufferOverflow {
		return ir.Output, f.t.statusErr(wire.CmdIoctl, st, f.Name)
	}
	return ir.Output, nil
}

// Lock applies byte-range locks, MS-SMB2 3.2.4.19.
func (f *File) Lock(ctx context.Context, locks []wire.LockElement) error {
	resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdLock, Body: &wire.LockRequest{FileID: f.ID, Locks: locks}})
	if err != nil {
		return err
	}
	if st := resps[0].Status(); st != wire.StatusSuccess {
		return f.t.statusErr(wire.CmdLock, st, f.Name)
	}
	return nil
}

// ChangeNotify waits for changes in a directory, MS-SMB2 3.2.4.20. It
// blocks until the server reports changes or ctx is cancelled (which sends
// CANCEL).
func (f *File) ChangeNotify(ctx context.Context, filter uint32, watchTree bool, outLen int) ([]byte, error) {
	req := &wire.ChangeNotifyRequest{OutputBufferLength: uint32(outLen), FileID: f.ID, CompletionFilter: filter}
	if watchTree {
		req.Flags = wire.WatchTree
	}
	resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdChangeNotify, Body: req, Payload: outLen})
	if err != nil {
		return nil, err
	}
	st := resps[0].Status()
	if st == wire.StatusNotifyEnumDir {
		return nil, nil // too many changes: caller rescans
	}
	if st != wire.StatusSuccess {
		return nil, f.t.statusErr(wire.CmdChangeNotify, st, f.Name)
	}
	nr, err := wire.ParseChangeNotifyResponse(resps[0].Msg)
	if err != nil {
		return nil, f.t.s.conn.protocolErr(err)
	}
	return nr.Buffer, nil
}

// writeHeader encodes a WRITE request without its data, which travels as
// Request.Tail.
type writeHeader struct{ *wire.WriteRequest }

func (w writeHeader) Length() int            { return 48 }
func (w writeHeader) Append(b []byte) []byte { return w.AppendHeaderOnly(b) }
