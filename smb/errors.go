package smb

import (
	"errors"
	"fmt"

	"github.com/gosmb/gosmb/smb/wire"
)

// Errors are typed by scope, as http2 splits ConnectionError from StreamError:
//   - *ConnError: the channel is unusable; every waiter gets it; reconnect.
//   - *StatusError: one request failed with an NTSTATUS; match the status
//     with errors.Is(err, wire.StatusAccessDenied).
//   - *SecurityError: a signature or decryption check failed, or the server
//     offered less protection than required. Never downgraded to a warning.

// ConnError reports a connection that failed or was closed.
type ConnError struct {
	Server string
	Op     string // what was happening: "dial", "read", "write", "negotiate", "closed"
	Err    error
}

func (e *ConnError) Error() string {
	return fmt.Sprintf("smb: connection to %s: %s: %v", e.Server, e.Op, e.Err)
}

func (e *ConnError) Unwrap() error { return e.Err }

// ErrClosed is the cause inside a ConnError after Close.
var ErrClosed = errors.New("connection closed")

// StatusError is a request that the server answered with an error status.
type StatusError struct {
	Cmd    wire.Command
	Status wire.Status
	Server string
	Share  string // empty above tree level
	Path   string // empty when the request names no path
}

func (e *StatusError) Error() string {
	where := e.Server
	if e.Share != "" {
		where = `\\` + e.Server + `\` + e.Share
		if e.Path != "" {
			where += `\` + e.Path
		}
	}
	return fmt.Sprintf("smb: %s %s: %s", e.Cmd, where, e.Status)
}

func (e *StatusError) Unwrap() error { return e.Status }

// SecurityError is a failed integrity or confidentiality check.
type SecurityError struct {
	Server string
	What   string
}

func (e *SecurityError) Error() string { return fmt.Sprintf("smb: %s: %s", e.Server, e.What) }

// ProtocolError is a server reply that breaks the protocol (malformed bytes,
// an unexpected command); the connection is torn down.
type ProtocolError struct {
	Server string
	Err    error
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("smb: %s: protocol error: %v", e.Server, e.Err)
}
func (e *ProtocolError) Unwrap() error { return e.Err }

// IsStatus reports whether err carries the given NTSTATUS.
func IsStatus(err error, s wire.Status) bool { return errors.Is(err, s) }

var (
	errReadOverflow  = errors.New("READ response carries more data than requested")
	errWriteOverflow = errors.New("WRITE response counts more bytes than sent")
)
