package main

// gosmb trace: a live stream of what a mount's connection does, the
// userspace answer to cifs.ko's tracepoints. The daemon answers "trace"
// with one JSON object per event (traceEvent) until the caller hangs up.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gosmb/gosmb/smb"
)

// traceEvent is one line of the "trace" answer and of `gosmb trace --json`.
type traceEvent struct {
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"` // send, done, break, cancel, stall, dropped
	Cmd       string    `json:"cmd,omitempty"`
	MID       uint64    `json:"mid,omitempty"`
	Status    string    `json:"status,omitempty"`     // done: the reply's status
	LatencyUS int64     `json:"latency_us,omitempty"` // done: round trip; stall: wait for credits
	Dropped   uint64    `json:"dropped,omitempty"`    // dropped: events lost so far (a slow reader)
}

// trace streams the connection's events to c until c is closed.
func (cs *controlServer) trace(c net.Conn) {
	c.SetDeadline(time.Time{})
	events, dropped, stop := cs.m.Conn().Trace(4096)
	defer stop()
	gone := make(chan struct{})
	go func() { io.Copy(io.Discard, c); close(gone) }() // returns when the caller hangs up
	cs.log.Info("control: trace started")
	enc := json.NewEncoder(c)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var told uint64
	for {
		select {
		case <-gone:
			cs.log.Info("control: trace ended")
			return
		case <-tick.C:
			if d := dropped(); d != told {
				told = d
				if enc.Encode(traceEvent{Time: time.Now(), Kind: "dropped", Dropped: d}) != nil {
					return
				}
			}
		case e, ok := <-events:
			if !ok {
				return
			}
			te := traceEvent{Time: e.Time, Kind: e.Kind.String(), Cmd: e.Cmd.String(), MID: e.MID}
			switch e.Kind {
			case smb.EventDone:
				te.Status = e.Status.String()
				te.LatencyUS = e.Latency.Microseconds()
			case smb.EventStall:
				te.LatencyUS = e.Latency.Microseconds()
				te.MID = 0
			case smb.EventBreak:
				te.MID = 0
			}
			if enc.Encode(te) != nil {
				return
			}
		}
	}
}

func traceCommand() *cli.Command {
	return &cli.Command{
		Name:      "trace",
		Usage:     "stream what a mount's connection does: requests, replies, breaks, cancels, credit stalls",
		ArgsUsage: "MOUNTPOINT",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print each event as one JSON object"},
			&cli.StringFlag{Name: "kind", Usage: "only these kinds, comma-separated (send,done,break,cancel,stall)"},
			&cli.StringFlag{Name: "cmd", Usage: "only these SMB2 commands, comma-separated (CREATE,READ,...)"},
			&cli.BoolFlag{Name: "errors", Usage: "only replies with an error status"},
			&cli.IntFlag{Name: "count", Usage: "stop after this many events (0: until interrupted)"},
		},
		Description: `Streams the events of the connection of the mount at MOUNTPOINT as they
happen, until interrupted, like cifs.ko's tracepoints. Only root and the user
who mounted it are answered. Each line is one event:

  send    a request went out: its command and message id
  done    its final reply came back: status and round trip
  break   the server broke a lease or an oplock (another client wants a file)
  cancel  a request was given up (an interrupted program) and CANCEL sent
  stall   a request waited for credits from the server, and how long
  dropped events lost because this reader fell behind (the mount is never
          slowed down for a trace)

Filters combine: --kind done --cmd CREATE --errors shows the lookups of names
that do not exist, for example. --json prints each event as the daemon sends
it: time, kind, cmd, mid, status, latency_us, dropped.`,
		Action: func(c *cli.Context) error {
			asJSON, dirs := jsonFlag(c)
			if len(dirs) != 1 {
				return cli.Exit("usage: gosmb trace [--json] [--kind K,...] [--cmd C,...] [--errors] [--count N] MOUNTPOINT", 2)
			}
			f := traceFilter{kinds: csvSet(c.String("kind")), cmds: csvSet(strings.ToUpper(c.String("cmd"))), errors: c.Bool("errors")}
			return runTrace(os.Stdout, dirs[0], asJSON, f, c.Int("count"))
		},
	}
}

type traceFilter struct {
	kinds, cmds map[string]bool // nil: all
	errors      bool
}

func (f traceFilter) match(e *traceEvent) bool {
	if f.kinds != nil && !f.kinds[e.Kind] && e.Kind != "dropped" {
		return false
	}
	if f.cmds != nil && !f.cmds[e.Cmd] && e.Kind != "dropped" {
		return false
	}
	return !f.errors || e.Kind == "done" && e.Status != "STATUS_SUCCESS"
}

func csvSet(s string) map[string]bool {
	if s == "" {
		return nil
	}
	m := map[string]bool{}
	for _, v := range strings.Split(s, ",") {
		m[strings.TrimSpace(v)] = true
	}
	return m
}

func runTrace(w io.Writer, dir string, asJSON bool, f traceFilter, count int) error {
	c, err := dialControl(dir)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := fmt.Fprintln(c, "trace"); err != nil {
		return fmt.Errorf("no answer from the daemon of %s: %v", dir, err)
	}
	c.SetDeadline(time.Time{})
	sc := bufio.NewScanner(c)
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		if rest, ok := strings.CutPrefix(string(line), "error: "); ok {
			return fmt.Errorf("%s", rest)
		}
		var e traceEvent
		if err := json.Unmarshal(line, &e); err != nil {
			return fmt.Errorf("the daemon of %s sent something other than an event: %v", dir, err)
		}
		if !f.match(&e) {
			continue
		}
		if asJSON {
			fmt.Fprintf(w, "%s\n", line)
		} else {
			fmt.Fprintln(w, e.String())
		}
		if n++; count > 0 && n >= count {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the trace of %s: %v", dir, err)
	}
	return fmt.Errorf("the daemon of %s ended the trace (unmounted?)", dir)
}

func (e *traceEvent) String() string {
	t := e.Time.Local().Format("15:04:05.000000")
	switch e.Kind {
	case "done":
		return fmt.Sprintf("%s  done    %-15s mid %-8d %s  %s", t, e.Cmd, e.MID, e.Status, time.Duration(e.LatencyUS)*time.Microsecond)
	case "send", "cancel":
		return fmt.Sprintf("%s  %-6s  %-15s mid %d", t, e.Kind, e.Cmd, e.MID)
	case "stall":
		return fmt.Sprintf("%s  stall   %-15s waited %s for credits", t, e.Cmd, time.Duration(e.LatencyUS)*time.Microsecond)
	case "break":
		return fmt.Sprintf("%s  break   the server broke a lease or an oplock", t)
	case "dropped":
		return fmt.Sprintf("%s  dropped %d events so far: this reader is slower than the mount", t, e.Dropped)
	}
	return fmt.Sprintf("%s  %s", t, e.Kind)
}
