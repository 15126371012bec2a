package smb

import (
	"context"
	"crypto/rand"
	"fmt"

	"go.uber.org/zap"

	"github.com/gosmb/gosmb/smb/fscc"
	"github.com/gosmb/gosmb/smb/wire"
)

// LeaseKey names a lease, MS-SMB2 3.2.1.5: one per cached inode, shared by
// every open of it, so that a client's own opens never break its lease.
type LeaseKey [16]byte

// NewLeaseKey returns a random lease key.
func NewLeaseKey() LeaseKey {
	var k LeaseKey
	if _, err := rand.Read(k[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return k
}

// Leasing reports whether the server grants leases (SMB2_GLOBAL_CAP_LEASING).
func (c *Conn) Leasing() bool { return c.serverCaps&wire.CapLeasing != 0 }

// Lease is the lease an open asks for.
type Lease struct {
	Key   LeaseKey
	State uint32
	// Parent, when set, is the lease key of the directory lease the
	// client holds on the file's directory: the server does not break it
	// for this open's changes (MS-SMB2 3.3.5.9.11), since the client
	// keeps its own cached directory current.
	Parent *LeaseKey
}

// RequestLease adds a lease request to req, or a batch oplock when the
// server has no leasing (MS-SMB2 3.2.4.3.8).
func (t *Tree) RequestLease(req *wire.CreateRequest, l Lease) {
	if !t.s.conn.Leasing() {
		req.RequestedOplockLevel = wire.OplockLevelBatch
		return
	}
	req.RequestedOplockLevel = wire.OplockLevelLease
	v := &wire.LeaseV2{Key: l.Key, State: l.State, V1: t.s.conn.dialect < wire.SMB300}
	if l.Parent != nil && !v.V1 {
		v.ParentKey, v.Flags = *l.Parent, wire.LeaseFlagParentKeySet
	}
	req.Contexts = append(req.Contexts, wire.CreateContext{Name: wire.CtxLease, Data: v.Encode()})
}

// DirectoryLeasing reports whether the server grants leases on
// directories (SMB2_GLOBAL_CAP_DIRECTORY_LEASING).
func (c *Conn) DirectoryLeasing() bool {
	return c.serverCaps&wire.CapDirectoryLeasing != 0 && c.dialect >= wire.SMB300
}

// Granted returns the caching the server granted on this open, as lease
// state bits: the lease's state, or for an oplock its equivalent (batch =
// RWH, exclusive = RW, level II = R).
func (f *File) Granted() (state uint32, epoch uint16) {
	if f.Create == nil {
		return 0, 0
	}
	switch f.Create.OplockLevel {
	case wire.OplockLevelBatch:
		return wire.LeaseRead | wire.LeaseWrite | wire.LeaseHandle, 0
	case wire.OplockLevelExclusive:
		return wire.LeaseRead | wire.LeaseWrite, 0
	case wire.OplockLevelII:
		return wire.LeaseRead, 0
	case wire.OplockLevelLease:
		for _, c := range f.Create.Contexts {
			if c.Name != wire.CtxLease {
				continue
			}
			if l, err := wire.ParseLease(c.Data); err == nil {
				return l.State, l.Epoch
			}
		}
	}
	return 0, 0
}

// Break is a lease or oplock break from the server.
type Break struct {
	Lease       bool
	Key         LeaseKey    // lease breaks
	FileID      wire.FileID // oplock breaks
	Current     uint32      // lease state before the break
	NewState    uint32      // what the client may keep
	Epoch       uint16
	AckRequired bool
}

// OnBreak installs f to receive lease and oplock breaks. Each runs on its
// own goroutine: handling one writes data back, which needs the reader.
func (c *Conn) OnBreak(f func(Break)) {
	c.SetBreakHandler(func(r *Response) {
		v, err := wire.ParseBreak(r.Msg)
		if err != nil {
			c.Stats.Violations.Add(1)
			c.log.Warn("malformed break notification", zap.Error(err))
			return
		}
		var b Break
		switch v := v.(type) {
		case *wire.LeaseBreakNotification:
			b = Break{Lease: true, Key: v.LeaseKey, Current: v.CurrentLeaseState, NewState: v.NewLeaseState,
				Epoch: v.NewEpoch, AckRequired: v.Flags&wire.LeaseBreakFlagAckRequired != 0}
		case *wire.OplockBreak:
			b = Break{FileID: v.FileID, NewState: oplockToLease(v.OplockLevel), AckRequired: true}
		default:
			return
		}
		go f(b)
	})
}

func oplockToLease(level uint8) uint32 {
	switch level {
	case wire.OplockLevelII:
		return wire.LeaseRead
	case wire.OplockLevelBatch:
		return wire.LeaseRead | wire.LeaseWrite | wire.LeaseHandle
	case wire.OplockLevelExclusive:
		return wire.LeaseRead | wire.LeaseWrite
	}
	return 0
}

// AckLeaseBreak acknowledges a lease break, keeping state (MS-SMB2
// 3.2.4.25). A lease the server no longer knows (the last open closed
// meanwhile) is not an error.
func (t *Tree) AckLeaseBreak(ctx context.Context, key LeaseKey, state uint32) error {
	resps, err := t.roundTrip(ctx, &Request{Cmd: wire.CmdOplockBreak, Body: &wire.LeaseBreakAck{LeaseKey: key, LeaseState: state}})
	if err != nil {
		return err
	}
	switch st := resps[0].Status(); st {
	case wire.StatusSuccess, wire.StatusObjectNameNotFound, wire.StatusInvalidParameter, wire.StatusInvalidOplockProtocol:
		return nil
	default:
		return t.statusErr(wire.CmdOplockBreak, st, fmt.Sprintf("lease %x", key[:4]))
	}
}

// AckOplockBreak acknowledges an oplock break at level.
func (f *File) AckOplockBreak(ctx context.Context, state uint32) error {
	level := wire.OplockLevelNone
	if state&wire.LeaseRead != 0 {
		level = wire.OplockLevelII
	}
	resps, err := f.t.roundTrip(ctx, &Request{Cmd: wire.CmdOplockBreak, Body: &wire.OplockBreak{OplockLevel: level, FileID: f.ID}})
	if err != nil {
		return err
	}
	if st := resps[0].Status(); st.IsError() && st != wire.StatusInvalidOplockProtocol && st != wire.StatusFileClosed {
		return f.t.statusErr(wire.CmdOplockBreak, st, f.Name)
	}
	return nil
}

// Info returns the attributes the CREATE response carried, completed by the
// POSIX and QFid create contexts when present: enough to answer a stat
// without another round trip.
func (f *File) Info() *FileInfo {
	cr := f.Create
	fi := &FileInfo{
		Size:       int64(cr.EndOfFile),
		AllocSize:  int64(cr.AllocationSize),
		Attributes: cr.FileAttributes,
		Btime:      fscc.FiletimeToTime(cr.CreationTime),
		Atime:      fscc.FiletimeToTime(cr.LastAccessTime),
		Mtime:      fscc.FiletimeToTime(cr.LastWriteTime),
		Ctime:      fscc.FiletimeToTime(cr.ChangeTime),
		Nlink:      1,
	}
	if i := lastSlash(f.Name); i >= 0 {
		fi.Name = f.Name[i+1:]
	} else {
		fi.Name = f.Name
	}
	for _, c := range cr.Contexts {
		switch c.Name {
		case wire.CtxQueryOnDiskID:
			if q, err := wire.ParseQueryOnDiskIDResponse(c.Data); err == nil {
				fi.FileID = q.DiskFileID
			}
		case wire.CtxPOSIXCreate:
			p, err := wire.ParsePOSIXCreateResponse(c.Data)
			if err != nil {
				continue
			}
			fi.POSIX = true
			fi.Mode = p.Mode
			fi.Nlink = p.Nlinks
			fi.ReparseTag = p.ReparseTag
			owner, _, oerr := fscc.ParseSID(p.Owner)
			group, _, gerr := fscc.ParseSID(p.Group)
			if oerr == nil && gerr == nil {
				fi.UID, fi.GID = posixOwner(*owner, *group)
			} else {
				fi.UID, fi.GID = 65534, 65534
			}
		}
	}
	return fi
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' || s[i] == '\\' {
			return i
		}
	}
	return -1
}
