package smb

import (
	"context"
	"fmt"
	"strings"

	"github.com/gosmb/gosmb/smb/wire"
)

// Tree is a connected share, MS-SMB2 3.2.1.4.
type Tree struct {
	s             *Session
	id            uint32
	share         string
	ShareType     uint8
	ShareFlags    uint32
	Capabilities  uint32
	MaximalAccess uint32
	encrypt       bool
}

// ID returns the TreeId.
func (t *Tree) ID() uint32 { return t.id }

// Share returns the share name.
func (t *Tree) Share() string { return t.share }

// Session returns the tree's session.
func (t *Tree) Session() *Session { return t.s }

// Encrypted reports whether messages on this tree are sealed.
func (t *Tree) Encrypted() bool { return t.encrypt || t.s.encrypt }

// TreeConnect connects to share (a bare name like "public"), MS-SMB2 3.2.4.2.4.
func (s *Session) TreeConnect(ctx context.Context, share string) (*Tree, error) {
	c := s.conn
	share = strings.Trim(share, `\/`)
	path := `\\` + c.server + `\` + share
	// 3.1.1 signs TREE_CONNECT even when the session does not require
	// signing, so the share's flags cannot be tampered with (MS-SMB2
	// 3.2.4.2.4).
	req := &Request{Cmd: wire.CmdTreeConnect, Body: &wire.TreeConnectRequest{Path: path}, Signed: c.dialect == wire.SMB311}
	resps, err := c.roundTrip(ctx, s, req)
	if err != nil {
		return nil, err
	}
	resp := resps[0]
	if st := resp.Status(); st != wire.StatusSuccess {
		return nil, &StatusError{Cmd: wire.CmdTreeConnect, Status: st, Server: c.server, Share: share}
	}
	tr, err := wire.ParseTreeConnectResponse(resp.Msg)
	if err != nil {
		return nil, c.protocolErr(err)
	}
	t := &Tree{
		s: s, id: resp.Header.TreeID, share: share,
		ShareType: tr.ShareType, ShareFlags: tr.ShareFlags,
		Capabilities: tr.Capabilities, MaximalAccess: tr.MaximalAccess,
	}
	if tr.ShareFlags&wire.ShareFlagEncryptData != 0 && c.dialect.Is3() {
		if s.sealer == nil {
			return nil, &SecurityError{Server: c.server, What: fmt.Sprintf("share %s requires encryption but no cipher was negotiated", share)}
		}
		t.encrypt = true
		s.mu.Lock()
		s.encryptTrees[t.id] = true
		s.mu.Unlock()
	}
	// 3.0 and 3.0.2 lack preauth integrity: validate the negotiation over
	// the signed session instead, MS-SMB2 3.2.5.14.12.
	if (c.dialect == wire.SMB300 || c.dialect == wire.SMB302) && !s.Guest() && !t.Encrypted() {
		if err := t.validateNegotiate(ctx); err != nil {
			t.Disconnect(context.Background())
			return nil, err
		}
	}
	return t, nil
}

func (t *Tree) validateNegotiate(ctx context.Context) error {
	c := t.s.conn
	in := (&wire.ValidateNegotiateInfoRequest{
		Capabilities: c.clientCaps,
		GUID:         c.clientGUID,
		SecurityMode: c.clientSecMode,
		Dialects:     c.offered,
	}).Encode()
	req := &Request{Cmd: wire.CmdIoctl, TreeID: t.id, Signed: true, Body: &wire.IoctlRequest{
		CtlCode:           wire.FsctlValidateNegotiateInfo,
		FileID:            wire.FileIDAny,
		Input:             in,
		MaxOutputResponse: 24,
		Flags:             wire.IoctlIsFsctl,
	}}
	resps, err := c.roundTrip(ctx, t.s, req)
	if err != nil {
		return err
	}
	resp := resps[0]
	if resp.Header.Flags&wire.FlagSigned == 0 {
		return &SecurityError{Server: c.server, What: "validate negotiate response is not signed"}
	}
	st := resp.Status()
	if st == wire.StatusNotSupported || st == wire.StatusInvalidDeviceRequest || st == wire.StatusFileClosed {
		// Servers that predate validate negotiate; MS-SMB2 allows these.
		return nil
	}
	if st != wire.StatusSuccess {
		return &SecurityError{Server: c.server, What: fmt.Sprintf("validate negotiate failed with %s", st)}
	}
	ir, err := wire.ParseIoctlResponse(resp.Msg)
	if err != nil {
		return c.protocolErr(err)
	}
	v, err := wire.ParseValidateNegotiateInfoResponse(ir.Output)
	if err != nil {
		return c.protocolErr(err)
	}
	if v.Capabilities != c.serverCaps || v.GUID != c.serverGUID || v.SecurityMode != c.serverSecurityMode || v.Dialect != c.dialect {
		c.fail(&SecurityError{Server: c.server, What: "validate negotiate mismatch: the negotiation was tampered with"})
		return c.Err()
	}
	return nil
}

// Disconnect ends the tree connection, MS-SMB2 3.2.4.3.
func (t *Tree) Disconnect(ctx context.Context) error {
	resps, err := t.s.conn.roundTrip(ctx, t.s, &Request{Cmd: wire.CmdTreeDisconnect, TreeID: t.id, Body: &wire.TreeDisconnectRequest{}})
	if err != nil {
		return err
	}
	if st := resps[0].Status(); st != wire.StatusSuccess {
		return &StatusError{Cmd: wire.CmdTreeDisconnect, Status: st, Server: t.s.conn.server, Share: t.share}
	}
	return nil
}
