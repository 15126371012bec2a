package smb

import (
	"context"

	"github.com/gosmb/gosmb/auth"
)

// Share bundles the connection, session and tree of one mounted share.
type Share struct {
	Conn    *Conn
	Session *Session
	Tree    *Tree
}

// DialShare connects to host, authenticates with mech and connects share:
// the whole path from nothing to a usable tree.
func DialShare(ctx context.Context, host, share string, mech auth.Mechanism, opts Options) (*Share, error) {
	c, err := Dial(ctx, host, opts)
	if err != nil {
		return nil, err
	}
	s, err := c.SessionSetup(ctx, mech)
	if err != nil {
		c.Close()
		return nil, err
	}
	t, err := s.TreeConnect(ctx, share)
	if err != nil {
		c.Close()
		return nil, err
	}
	return &Share{Conn: c, Session: s, Tree: t}, nil
}

// Close disconnects the tree, logs off and closes the connection.
func (sh *Share) Close(ctx context.Context) error {
	err := sh.Tree.Disconnect(ctx)
	_ = sh.Session.Logoff(ctx)
	sh.Conn.Close()
	return err
}
