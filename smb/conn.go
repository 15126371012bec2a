package smb

// Lock order (outermost first): Conn.mu, then creditWindow.mu. Conn.writeMu
// is taken alone: never while holding Conn.mu, so a slow socket cannot stall
// the reader's dispatch.
//
// Life of a request: roundTrip takes credits, allocates message ids and
// registers one call per message under mu, encodes, signs or seals, and sends
// the frame under writeMu. The single reader goroutine receives frames,
// decrypts, splits compounds, verifies signatures, grants credits and hands
// each response to its call by MessageId. A cancelled context sends SMB2
// CANCEL and abandons the call; the reader still consumes its response (to
// get the credits back) and gives it to the call's Late hook. When the
// connection dies, every registered call gets the same *ConnError.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gosmb/gosmb/smb/smbcrypto"
	"github.com/gosmb/gosmb/smb/wire"
	"github.com/gosmb/gosmb/transport"
)

// Body is a request or response body codec from package wire.
type Body interface {
	Length() int
	Append(b []byte) []byte
}

// Request is one message of a round trip (one element of a compound).
type Request struct {
	Cmd     wire.Command
	Body    Body
	TreeID  uint32
	Related bool // use the previous element's FileID (wire.FileIDAny in Body)
	// Payload is the size that sets the credit charge: the READ length, WRITE
	// data, IOCTL or QUERY_DIRECTORY output size. Zero charges one credit.
	Payload int
	// Late, if set, receives a response that arrives after the caller's
	// context was cancelled, e.g. to close a handle a CREATE opened anyway.
	Late func(*Response)
	// Signed forces signing even when the session does not require it
	// (validate negotiate must be signed).
	Signed bool
	// Tail is bytes that follow Body on the wire (WRITE data). When the
	// message is neither signed nor sealed it goes to the socket as its own
	// buffer, so large writes are never copied.
	Tail []byte

	sent []byte // the message as sent, before encryption (preauth hashing)
}

// Response is one received message.
type Response struct {
	Header wire.Header
	Msg    []byte // the whole message, header first; offsets are relative to Msg[0]
}

// Status returns the response's NTSTATUS.
func (r *Response) Status() wire.Status { return r.Header.Status }

type call struct {
	mid       uint64
	charge    int
	cmd       wire.Command
	sess      *Session
	verify    bool
	encrypted bool
	asyncID   uint64
	abandoned bool
	late      func(*Response)
	done      chan result // buffered: the reader never blocks on a call
	start     time.Time   // when it was sent, for its latency
}

type result struct {
	resp *Response
	err  error
}

// Conn is one SMB2 connection (a channel). It is safe for concurrent use.
type Conn struct {
	t      transport.Transport
	server string
	log    *zap.Logger
	opts   Options

	// Set by negotiate; read-only afterwards.
	dialect            wire.Dialect
	serverSecurityMode uint16
	serverCaps         uint32
	serverGUID         [16]byte
	clientGUID         [16]byte
	clientCaps         uint32
	clientSecMode      uint16
	offered            []wire.Dialect
	maxRead            uint32
	maxWrite           uint32
	maxTransact        uint32
	cipher             wire.Cipher
	signingAlg         wire.SigningAlg
	negToken           []byte
	preauth            smbcrypto.PreauthHash
	posix              bool
	multiCredit        bool

	credits *creditWindow
	writeMu sync.Mutex

	mu       sync.Mutex
	nextMID  uint64
	pending  map[uint64]*call
	sessions map[uint64]*Session
	err      error
	done     chan struct{}

	breakHandler atomic.Pointer[func(*Response)]
	Stats        Stats
	tracers      tracers
}

// Parked returns how many requests the server has answered with an
// interim response and not yet completed (CHANGE_NOTIFY watches, blocking
// locks): each is in its queue, so a change made now reaches a watch.
func (c *Conn) Parked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, cl := range c.pending {
		if cl.asyncID != 0 {
			n++
		}
	}
	return n
}

// Stats counts a connection's traffic; fields are read with atomic loads.
type Stats struct {
	Requests  [wire.NumCommands]atomic.Uint64
	Failures  [wire.NumCommands]atomic.Uint64
	BytesSent atomic.Uint64
	BytesRecv atomic.Uint64
	Cancels   atomic.Uint64
	Breaks    atomic.Uint64
	// Violations counts server messages dropped as invalid (unknown message
	// id, bad signature, unexpected form), as http2 counts protocol errors.
	Violations atomic.Uint64
	// Latency has each command's round trips, from sending the request to
	// its final reply (a CHANGE_NOTIFY's lasts until something changes).
	Latency [wire.NumCommands]Histogram
}

// Reset sets every counter to zero (gosmb stats --reset). Each is reset
// atomically; a request completing meanwhile may count before or after.
func (s *Stats) Reset() {
	for i := range s.Requests {
		s.Requests[i].Store(0)
		s.Failures[i].Store(0)
	}
	for _, c := range []*atomic.Uint64{&s.BytesSent, &s.BytesRecv, &s.Cancels, &s.Breaks, &s.Violations} {
		c.Store(0)
	}
	for i := range s.Latency {
		s.Latency[i].Reset()
	}
}

func newConn(t transport.Transport, server string, opts Options) *Conn {
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	c := &Conn{
		t:        t,
		server:   server,
		log:      log.With(zap.String("server", server), zap.String("transport", t.String())),
		opts:     opts,
		credits:  newCreditWindow(1),
		pending:  make(map[uint64]*call),
		sessions: make(map[uint64]*Session),
		done:     make(chan struct{}),
	}
	go c.readLoop()
	return c
}

// Server returns the host name the connection was dialled with.
func (c *Conn) Server() string { return c.server }

// Dialect returns the negotiated dialect.
func (c *Conn) Dialect() wire.Dialect { return c.dialect }

// ClientGUID is the GUID this client sent in NEGOTIATE.
func (c *Conn) ClientGUID() [16]byte { return c.clientGUID }

// LocalAddr and RemoteAddr are the connection's two ends.
func (c *Conn) LocalAddr() string  { return c.t.LocalAddr().String() }
func (c *Conn) RemoteAddr() string { return c.t.RemoteAddr().String() }

// Cipher returns the negotiated cipher (CipherNone when the server offers none).
func (c *Conn) Cipher() wire.Cipher { return c.cipher }

// SigningAlg returns the signing algorithm in use on this connection.
func (c *Conn) SigningAlg() wire.SigningAlg { return c.signingAlg }

// MaxRead and MaxWrite are the server's limits for one READ or WRITE.
func (c *Conn) MaxRead() int  { return int(c.maxRead) }
func (c *Conn) MaxWrite() int { return int(c.maxWrite) }

// ServerCapabilities returns the NEGOTIATE response capabilities.
func (c *Conn) ServerCapabilities() uint32 { return c.serverCaps }

// POSIX reports whether the server accepted the SMB3 POSIX extensions.
func (c *Conn) POSIX() bool { return c.posix }

// Done is closed when the connection has failed or been closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended, or nil while it is alive.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Credits returns the current credit balance and the credits in flight.
func (c *Conn) Credits() (balance, inflight int) { return c.credits.snapshot() }

// SetBreakHandler installs the function that receives oplock and lease break
// notifications (MessageId 0xFFFFFFFFFFFFFFFF). It runs on the reader
// goroutine and must not block; hand work to another goroutine.
func (c *Conn) SetBreakHandler(f func(*Response)) { c.breakHandler.Store(&f) }

// Close tears the connection down; every waiter gets a *ConnError wrapping
// ErrClosed.
func (c *Conn) Close() error {
	c.fail(&ConnError{Server: c.server, Op: "closed", Err: ErrClosed})
	return nil
}

// fail records the first fatal error, closes the transport and releases every
// waiter.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	calls := c.pending
	c.pending = make(map[uint64]*call)
	close(c.done)
	c.mu.Unlock()

	c.credits.kill(err)
	_ = c.t.Close()
	for _, cl := range calls {
		if !cl.abandoned {
			cl.done <- result{err: err}
		}
	}
	if !errors.Is(err, ErrClosed) {
		c.log.Warn("connection lost", zap.Error(err))
	}
}

const asyncMID = ^uint64(0) // MessageId of break notifications

// roundTrip sends reqs as one frame (a compound when more than one) and waits
// for every response. s is nil before a session exists. A non-nil error is a
// connection, security or context error; NTSTATUS errors are left in the
// responses for the caller, which knows the path.
func (c *Conn) roundTrip(ctx context.Context, s *Session, reqs ...*Request) ([]*Response, error) {
	charges := make([]int, len(reqs))
	total := 0
	for i, r := range reqs {
		charges[i] = 1
		if c.multiCredit {
			charges[i] = chargeFor(r.Payload)
		}
		total += charges[i]
	}
	waitFrom := time.Now()
	if err := c.credits.take(ctx, total); err != nil {
		return nil, c.wrapTakeErr(err)
	}
	now := time.Now()
	if waited := now.Sub(waitFrom); waited > time.Millisecond && c.tracing() {
		c.emit(Event{Kind: EventStall, Cmd: reqs[0].Cmd, Latency: waited})
	}

	sign, seal := false, false
	var sessID uint64
	if s != nil {
		sessID = s.id
		seal = s.sealer != nil && (s.encrypt || reqsTreeEncrypt(s, reqs))
		sign = !seal && s.signer != nil && s.signRequired
	}

	calls := make([]*call, len(reqs))
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		c.credits.grant(total, total)
		return nil, err
	}
	for i, r := range reqs {
		cl := &call{
			mid:       c.nextMID,
			charge:    charges[i],
			cmd:       r.Cmd,
			sess:      s,
			verify:    sign || (s != nil && s.signer != nil && r.Signed && !seal),
			encrypted: seal,
			late:      r.Late,
			done:      make(chan result, 1),
			start:     now,
		}
		c.nextMID += uint64(charges[i])
		c.pending[cl.mid] = cl
		calls[i] = cl
	}
	c.mu.Unlock()

	var frame, tail []byte
	for i, r := range reqs {
		h := wire.Header{
			Command:   r.Cmd,
			Credits:   c.credits.request(charges[i]),
			MessageID: calls[i].mid,
			ProcessID: 0xFEFF,
			TreeID:    r.TreeID,
			SessionID: sessID,
		}
		if c.multiCredit {
			h.CreditCharge = uint16(charges[i])
		}
		if r.Related {
			h.Flags |= wire.FlagRelatedOperations
		}
		signThis := sign || (r.Signed && s != nil && s.signer != nil && !seal)
		if signThis {
			h.Flags |= wire.FlagSigned
		}
		zeroCopy := len(r.Tail) > 0 && len(reqs) == 1 && !signThis && !seal
		size := wire.HeaderSize + r.Body.Length() + 8
		if !zeroCopy {
			size += len(r.Tail)
		}
		msg := h.Append(make([]byte, 0, size))
		msg = r.Body.Append(msg)
		if zeroCopy {
			tail = r.Tail
		} else {
			msg = append(msg, r.Tail...)
		}
		if i < len(reqs)-1 {
			msg = wire.Pad8(msg)
			le32put(msg[wire.OffNextCommand:], uint32(len(msg)))
		}
		if signThis {
			s.signer.Sign(msg)
		}
		r.sent = msg
		if len(reqs) == 1 {
			frame = msg
		} else {
			frame = append(frame, msg...)
		}
		c.Stats.Requests[cmdIndex(r.Cmd)].Add(1)
		if c.tracing() {
			c.emit(Event{Kind: EventSend, Cmd: r.Cmd, MID: h.MessageID})
		}
	}
	if seal {
		var err error
		frame, err = s.sealer.Seal(nil, s.id, frame)
		if err != nil {
			c.fail(&ConnError{Server: c.server, Op: "encrypt", Err: err})
			return nil, c.Err()
		}
	}

	c.writeMu.Lock()
	err := c.t.Send(frame, tail)
	c.writeMu.Unlock()
	if err != nil {
		c.fail(&ConnError{Server: c.server, Op: "write", Err: err})
		// fail delivered the error to our calls; collect it below.
	} else {
		c.Stats.BytesSent.Add(uint64(len(frame)+len(tail)) + 4)
	}

	resps := make([]*Response, len(reqs))
	for i, cl := range calls {
		select {
		case res := <-cl.done:
			if res.err != nil {
				c.abandon(calls[i+1:])
				return nil, res.err
			}
			resps[i] = res.resp
		case <-ctx.Done():
			c.abandon(calls[i:])
			return nil, ctx.Err()
		}
	}
	return resps, nil
}

func reqsTreeEncrypt(s *Session, reqs []*Request) bool {
	for _, r := range reqs {
		if r.TreeID != 0 && s.treeEncrypts(r.TreeID) {
			return true
		}
	}
	return false
}

func (c *Conn) wrapTakeErr(err error) error {
	var starved *ErrCreditStarved
	if errors.As(err, &starved) {
		ce := &ConnError{Server: c.server, Op: "credits", Err: err}
		c.fail(ce)
		return ce
	}
	return err
}

// abandon gives up on calls whose caller stopped waiting: each still pending
// is marked so the reader routes its response to the Late hook, and an SMB2
// CANCEL asks the server to finish it early.
func (c *Conn) abandon(calls []*call) {
	for _, cl := range calls {
		c.mu.Lock()
		_, pending := c.pending[cl.mid]
		if pending {
			cl.abandoned = true
		}
		asyncID := cl.asyncID
		c.mu.Unlock()
		if !pending {
			// The response raced us into the channel: hand it on.
			res := <-cl.done
			if res.resp != nil && cl.late != nil {
				go cl.late(res.resp)
			}
			continue
		}
		c.sendCancel(cl, asyncID)
	}
}

// sendCancel sends SMB2 CANCEL for a pending call, MS-SMB2 3.2.4.24. CANCEL
// takes no credits, gets no response, and reuses the request's MessageId (or
// its AsyncId once the server went async).
func (c *Conn) sendCancel(cl *call, asyncID uint64) {
	h := wire.Header{Command: wire.CmdCancel, MessageID: cl.mid, ProcessID: 0xFEFF}
	if asyncID != 0 {
		h.Flags |= wire.FlagAsyncCommand
		h.AsyncID = asyncID
	}
	s := cl.sess
	seal := false
	if s != nil {
		h.SessionID = s.id
		seal = cl.encrypted
		if !seal && s.signer != nil && s.signRequired {
			h.Flags |= wire.FlagSigned
		}
	}
	msg := h.Append(make([]byte, 0, wire.HeaderSize+4))
	msg = (&wire.CancelRequest{}).Append(msg)
	if h.Flags&wire.FlagSigned != 0 {
		s.signer.Sign(msg)
	}
	if seal {
		var err error
		if msg, err = s.sealer.Seal(nil, s.id, msg); err != nil {
			return
		}
	}
	c.Stats.Cancels.Add(1)
	if c.tracing() {
		c.emit(Event{Kind: EventCancel, Cmd: cl.cmd, MID: cl.mid})
	}
	c.writeMu.Lock()
	err := c.t.Send(msg)
	c.writeMu.Unlock()
	if err != nil {
		c.fail(&ConnError{Server: c.server, Op: "write", Err: err})
	}
}

func (c *Conn) readLoop() {
	for {
		frame, err := c.t.Recv()
		if err != nil {
			c.fail(&ConnError{Server: c.server, Op: "read", Err: err})
			return
		}
		c.Stats.BytesRecv.Add(uint64(len(frame)) + 4)
		if err := c.handleFrame(frame); err != nil {
			c.fail(err)
			return
		}
	}
}

// handleFrame processes one received frame. An error is fatal for the
// connection: the server sent bytes we cannot trust to frame the next one.
func (c *Conn) handleFrame(frame []byte) error {
	encrypted := false
	if len(frame) >= 4 && [4]byte(frame[0:4]) == wire.TransformProtocolID {
		th, err := wire.ParseTransformHeader(frame)
		if err != nil {
			return &ProtocolError{Server: c.server, Err: err}
		}
		c.mu.Lock()
		s := c.sessions[th.SessionID]
		c.mu.Unlock()
		if s == nil || s.sealer == nil {
			return &ProtocolError{Server: c.server, Err: fmt.Errorf("encrypted message for unknown session 0x%x", th.SessionID)}
		}
		msg, _, err := s.sealer.Open(frame)
		if err != nil {
			return &SecurityError{Server: c.server, What: "decryption of a server message failed: " + err.Error()}
		}
		frame = msg
		encrypted = true
	} else if len(frame) >= 4 && frame[0] == 0xFC {
		return &ProtocolError{Server: c.server, Err: errors.New("compressed message, but compression was not negotiated")}
	}
	msgs, err := wire.SplitCompound(frame)
	if err != nil {
		return &ProtocolError{Server: c.server, Err: err}
	}
	for _, msg := range msgs {
		if c.opts.OnMessage != nil {
			c.opts.OnMessage(msg)
		}
		if err := c.dispatch(msg, encrypted); err != nil {
			return err
		}
	}
	return nil
}

func (c *Conn) dispatch(msg []byte, encrypted bool) error {
	var h wire.Header
	if err := h.Decode(msg); err != nil {
		return &ProtocolError{Server: c.server, Err: err}
	}
	if !h.IsResponse() {
		return &ProtocolError{Server: c.server, Err: fmt.Errorf("%s message without the server-to-client flag", h.Command)}
	}
	if h.MessageID == asyncMID {
		if h.Command != wire.CmdOplockBreak {
			c.Stats.Violations.Add(1)
			return nil
		}
		c.Stats.Breaks.Add(1)
		if c.tracing() {
			c.emit(Event{Kind: EventBreak, Cmd: h.Command})
		}
		if f := c.breakHandler.Load(); f != nil {
			(*f)(&Response{Header: h, Msg: msg})
		}
		return nil
	}

	c.mu.Lock()
	cl := c.pending[h.MessageID]
	if cl == nil {
		c.mu.Unlock()
		c.Stats.Violations.Add(1)
		c.log.Debug("response for unknown message id", zap.Uint64("mid", h.MessageID), zap.Stringer("cmd", h.Command))
		return nil
	}
	if h.Status == wire.StatusPending && h.IsAsync() {
		// Interim response, MS-SMB2 3.2.5.1.5: remember the AsyncId for
		// CANCEL and keep waiting; its credits are the request's grant.
		cl.asyncID = h.AsyncID
		c.mu.Unlock()
		c.credits.grant(int(h.Credits), 0)
		return nil
	}
	delete(c.pending, h.MessageID)
	abandoned := cl.abandoned
	c.mu.Unlock()
	c.credits.grant(int(h.Credits), cl.charge)

	res := result{resp: &Response{Header: h, Msg: msg}}
	if h.Command != cl.cmd {
		res = result{err: &ProtocolError{Server: c.server, Err: fmt.Errorf("%s response to a %s request (mid %d)", h.Command, cl.cmd, h.MessageID)}}
	} else if cl.encrypted && !encrypted {
		c.Stats.Violations.Add(1)
		res = result{err: &SecurityError{Server: c.server, What: fmt.Sprintf("unencrypted %s response on an encrypted session", h.Command)}}
	} else if cl.verify && !encrypted {
		if err := cl.sess.verify(msg, &h); err != nil {
			c.Stats.Violations.Add(1)
			res = result{err: err}
		}
	}
	if h.Status.IsError() {
		c.Stats.Failures[cmdIndex(h.Command)].Add(1)
	}
	took := time.Since(cl.start)
	c.Stats.Latency[cmdIndex(cl.cmd)].Observe(took)
	if c.tracing() {
		c.emit(Event{Kind: EventDone, Cmd: cl.cmd, MID: h.MessageID, Status: h.Status, Latency: took})
	}
	if abandoned {
		if cl.late != nil && res.resp != nil {
			go cl.late(res.resp)
		}
		return nil
	}
	cl.done <- res
	return nil
}

func cmdIndex(c wire.Command) int {
	if int(c) < wire.NumCommands {
		return int(c)
	}
	return 0
}

func le32put(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
