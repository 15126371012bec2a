package main

// gosmb stats: a mount's counters, read from its daemon over the control
// socket, as cifs.ko shows them in /proc/fs/cifs/Stats. The daemon answers
// "stats" with one JSON object (statsReport); the command prints it as
// tables, or as it came with --json.

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gosmb/gosmb/smb/wire"
)

// statsReport is the answer to "stats" and the output of `gosmb stats
// --json`. Field names are stable: scripts and tests read them.
type statsReport struct {
	Mountpoint string     `json:"mountpoint"`
	Share      string     `json:"share"`   // //host/share[/path]
	Server     string     `json:"server"`  // the server's name or address
	Dialect    string     `json:"dialect"` // negotiated SMB dialect
	Since      time.Time  `json:"since"`   // mount time: all counters start at zero here
	SMB        smbStats   `json:"smb"`
	Mount      mountStats `json:"mount"`
}

// smbStats counts the traffic of the mount's SMB connection.
type smbStats struct {
	// Requests and Failures have every command by name (CREATE, READ,
	// ...), zero or not. A request in a compound counts once.
	Requests map[string]uint64 `json:"requests"`
	// Failures counts replies with an error status, expected ones
	// included (a lookup of a missing name, a READ at end of file).
	Failures      map[string]uint64 `json:"failures"`
	BytesSent     uint64            `json:"bytes_sent"`     // on the wire, framing, signing and encryption included
	BytesReceived uint64            `json:"bytes_received"` // the same, from the server
	Cancels       uint64            `json:"cancels"`        // CANCELs sent for requests given up (not in Requests)
	Breaks        uint64            `json:"breaks"`         // lease and oplock break notifications received
	Violations    uint64            `json:"violations"`     // server messages dropped as invalid
	Parked        int               `json:"parked"`         // requests queued on the server now (notify watches)
	// Latency has, for each command sent, the round trip from request
	// to final reply: percentiles known to within a factor of two.
	Latency map[string]latency `json:"latency"`
}

// latency summarizes one command's round trips, in microseconds.
type latency struct {
	Count uint64 `json:"count"`
	P50   int64  `json:"p50_us"`
	P90   int64  `json:"p90_us"`
	P99   int64  `json:"p99_us"`
}

// mountStats are the file system's own counters, fs.Stats.
type mountStats struct {
	Opens          uint64 `json:"opens"`            // SMB opens made for open(2) and creat(2)
	ReusedOpens    uint64 `json:"reused_opens"`     // open(2)s served by a handle kept open after close (closetimeo=)
	LeaseBreaks    uint64 `json:"lease_breaks"`     // lease and oplock breaks handled
	ReadBytes      uint64 `json:"read_bytes"`       // bytes read through the mount
	WriteBytes     uint64 `json:"write_bytes"`      // bytes written through the mount
	DirtyBytes     int64  `json:"dirty_bytes"`      // written but not yet on the server, now
	DirtyPeakBytes int64  `json:"dirty_peak_bytes"` // the most ever waiting at once (bounded by cache_size=)
	Lookups        uint64 `json:"lookups"`          // names the kernel asked the daemon for
	CachedLookups  uint64 `json:"cached_lookups"`   // of those, answered from the cache without a request
	Listings       uint64 `json:"listings"`         // directory listings the kernel asked the daemon for
}

// stats snapshots the mount's counters. Each counter is read atomically;
// the set is not one instant, which counters of a live mount never are.
func (cs *controlServer) stats() statsReport {
	conn := cs.m.Conn()
	r := statsReport{
		Mountpoint: cs.dir,
		Share:      cs.t.unc.String(),
		Server:     conn.Server(),
		Dialect:    conn.Dialect().String(),
		Since:      cs.countingSince().UTC().Truncate(time.Second),
		SMB: smbStats{
			Requests:      make(map[string]uint64, wire.NumCommands),
			Failures:      make(map[string]uint64, wire.NumCommands),
			BytesSent:     conn.Stats.BytesSent.Load(),
			BytesReceived: conn.Stats.BytesRecv.Load(),
			Cancels:       conn.Stats.Cancels.Load(),
			Breaks:        conn.Stats.Breaks.Load(),
			Violations:    conn.Stats.Violations.Load(),
			Parked:        conn.Parked(),
		},
	}
	r.SMB.Latency = map[string]latency{}
	for i := range wire.NumCommands {
		name := wire.Command(i).String()
		r.SMB.Requests[name] = conn.Stats.Requests[i].Load()
		r.SMB.Failures[name] = conn.Stats.Failures[i].Load()
		if h := &conn.Stats.Latency[i]; h.Count() > 0 {
			r.SMB.Latency[name] = latency{Count: h.Count(), P50: h.Percentile(50).Microseconds(),
				P90: h.Percentile(90).Microseconds(), P99: h.Percentile(99).Microseconds()}
		}
	}
	s := cs.m.Stats()
	r.Mount = mountStats{
		Opens: s.Opens, ReusedOpens: s.ReusedOpens, LeaseBreaks: s.Breaks,
		ReadBytes: s.ReadBytes, WriteBytes: s.WriteBytes,
		DirtyBytes: s.DirtyBytes, DirtyPeakBytes: s.DirtyPeak,
		Lookups: s.Lookups, CachedLookups: s.CachedLookups, Listings: s.Listings,
	}
	return r
}

func (cs *controlServer) countingSince() time.Time {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.since
}

// resetStats zeroes the counters and restarts their clock.
func (cs *controlServer) resetStats() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.m.ResetStats()
	cs.since = time.Now()
}

func statsCommand() *cli.Command {
	return &cli.Command{
		Name:      "stats",
		Usage:     "show a mount's counters: SMB requests by command, bytes, opens, write-back",
		ArgsUsage: "MOUNTPOINT",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object (every command, zeros included) for scripts"},
			&cli.BoolFlag{Name: "reset", Usage: "print the counters, then set them to zero"},
		},
		Description: `Asks the daemon serving MOUNTPOINT for its counters, like cifs.ko's
/proc/fs/cifs/Stats. Only root and the user who mounted it are answered.
All counters start at zero when the share is mounted, or at the last
--reset, and only grow, except the dirty bytes. --reset prints the counters
as they were and sets them to zero (the dirty peak to what is dirty now).

SMB requests, on the mount's connection to the server:
  SENT     requests sent, by SMB2 command. A file system call that misses the
           cache costs requests: CREATE opens a file or directory (every
           lookup, stat, open or rename that reaches the server starts
           with one), CLOSE closes it, READ and WRITE move data,
           QUERY_INFO and SET_INFO read and change attributes,
           QUERY_DIRECTORY lists a directory, CHANGE_NOTIFY watches one
           (notify=), ECHO is the keepalive, OPLOCK_BREAK acknowledges a
           lease break. Calls served from the cache send nothing, so a
           count that stays still while you repeat an operation means it
           is cached.
  FAILED   replies with an error status. Many are normal: the first
           SESSION_SETUP reply (more processing required), a lookup of a
           name that does not exist (its CREATE fails, and so do the
           QUERY_INFO and CLOSE compounded with it), a READ at the end of
           a file, the end of a directory listing.
  p50 p90 p99  the round trip from request to final reply that half, nine
           in ten and 99 in 100 requests stayed under, known to within a
           factor of two. A CHANGE_NOTIFY's lasts until something changes.
  bytes sent and received: on the wire, headers, signatures and encryption
           included.
  cancels: CANCELs sent for requests given up (an interrupted program, a
           timeout); they are not in the CANCEL row.
  breaks:  lease and oplock breaks the server sent (another client wants
           a file this mount caches).
  invalid: server messages dropped as invalid (unknown message id, bad
           signature); anything but 0 is worth a bug report.
  parked:  requests the server has queued and not answered yet: with
           notify, one per watched directory.
  Commands never sent are not listed; --json lists all of them.

Mount (the file system above the connection):
  opens          SMB opens made for open(2) and creat(2).
  reused opens   open(2)s served by a handle kept open after the last
                 close (closetimeo=), which cost no request.
  lease breaks   breaks the mount handled by dropping or writing back
                 what it cached.
  read, written  bytes programs read and wrote through the mount, cached
                 or not.
  dirty          bytes written but not yet sent to the server, now and at
                 most (the peak is bounded by cache_size=).
  lookups        names the kernel asked the daemon for (it keeps the
                 answers while a directory lease holds),
                 and the share of them the daemon answered from its cache
                 without asking the server.
  listings       directory listings the kernel asked the daemon for (it
                 keeps a listing until the directory changes).

--json prints the same as one JSON object: mountpoint, share, server,
dialect, since, smb.requests and smb.failures (command name to count),
smb.bytes_sent, smb.bytes_received, smb.cancels, smb.breaks,
smb.violations, smb.parked, smb.latency (command name to count, p50_us,
p90_us, p99_us), and mount.opens, mount.reused_opens, mount.lease_breaks,
mount.read_bytes, mount.write_bytes, mount.dirty_bytes,
mount.dirty_peak_bytes, mount.lookups, mount.cached_lookups, mount.listings.`,
		Action: func(c *cli.Context) error {
			asJSON, args := jsonFlag(c)
			reset := c.Bool("reset")
			var dirs []string
			for _, a := range args {
				if a == "--reset" || a == "-reset" { // given after MOUNTPOINT
					reset = true
					continue
				}
				dirs = append(dirs, a)
			}
			if len(dirs) != 1 {
				return cli.Exit("usage: gosmb stats [--json] [--reset] MOUNTPOINT", 2)
			}
			return runStats(os.Stdout, dirs[0], asJSON, reset)
		},
	}
}

func runStats(w io.Writer, dir string, asJSON, reset bool) error {
	query := "stats"
	if reset {
		query = "stats reset"
	}
	var r statsReport
	reply, err := queryJSON(dir, query, "its counters", &r)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(w, reply)
	}
	return writeStats(w, &r, time.Now())
}

// writeStats prints the counters as a person reads them.
func writeStats(w io.Writer, r *statsReport, now time.Time) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s\n", r.Share, r.Mountpoint)
	fmt.Fprintf(&b, "server %s, SMB %s, counting since %s (%s ago)\n\n",
		r.Server, r.Dialect, r.Since.Local().Format("2006-01-02 15:04:05"), now.Sub(r.Since).Round(time.Second))

	b.WriteString("SMB requests\n")
	type row struct {
		name         string
		sent, failed uint64
		lat          latency
	}
	var rows []row
	var total row
	total.name = "total"
	for i := range wire.NumCommands {
		name := wire.Command(i).String()
		n, f := r.SMB.Requests[name], r.SMB.Failures[name]
		total.sent += n
		total.failed += f
		if n != 0 || f != 0 {
			rows = append(rows, row{name, n, f, r.SMB.Latency[name]})
		}
	}
	rows = append(rows, total)
	nw, dw := len("COMMAND"), max(len("FAILED"), len(fmt.Sprint(total.sent)))
	for _, x := range rows {
		nw = max(nw, len(x.name))
	}
	fmt.Fprintf(&b, "  %-*s  %*s  %*s  %8s  %8s  %8s\n", nw, "COMMAND", dw, "SENT", dw, "FAILED", "p50", "p90", "p99")
	for _, x := range rows {
		fmt.Fprintf(&b, "  %-*s  %*d  %*d", nw, x.name, dw, x.sent, dw, x.failed)
		if x.lat.Count > 0 {
			fmt.Fprintf(&b, "  %8s  %8s  %8s", usString(x.lat.P50), usString(x.lat.P90), usString(x.lat.P99))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "bytes sent %s, received %s\n", bytesString(r.SMB.BytesSent), bytesString(r.SMB.BytesReceived))
	fmt.Fprintf(&b, "cancels %d, breaks %d, invalid %d, parked %d\n\n", r.SMB.Cancels, r.SMB.Breaks, r.SMB.Violations, r.SMB.Parked)

	b.WriteString("Mount\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  opens\t%d\n", r.Mount.Opens)
	fmt.Fprintf(tw, "  reused opens\t%d\n", r.Mount.ReusedOpens)
	fmt.Fprintf(tw, "  lease breaks\t%d\n", r.Mount.LeaseBreaks)
	fmt.Fprintf(tw, "  read\t%s\n", bytesString(r.Mount.ReadBytes))
	fmt.Fprintf(tw, "  written\t%s\n", bytesString(r.Mount.WriteBytes))
	fmt.Fprintf(tw, "  dirty\t%s now, peak %s\n", bytesString(uint64(max(r.Mount.DirtyBytes, 0))), bytesString(uint64(max(r.Mount.DirtyPeakBytes, 0))))
	fmt.Fprintf(tw, "  lookups\t%d%s\n", r.Mount.Lookups, share(r.Mount.CachedLookups, r.Mount.Lookups, "from the cache"))
	fmt.Fprintf(tw, "  listings\t%d\n", r.Mount.Listings)
	tw.Flush()
	_, err := io.WriteString(w, b.String())
	return err
}

// bytesString is the exact count, for scripts that grep, and a rounded
// one for people: "5000000 (4.8 MiB)".
func bytesString(n uint64) string {
	if n < 1024 {
		return fmt.Sprintf("%d", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	v := float64(n) / 1024
	u := 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	return fmt.Sprintf("%d (%.1f %s)", n, v, units[u])
}

// usString prints a latency bound given in microseconds: "<256µs", "<4.1ms".
func usString(us int64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("<%dµs", us)
	case us < 1000000:
		return fmt.Sprintf("<%.1fms", float64(us)/1e3)
	}
	return fmt.Sprintf("<%.1fs", float64(us)/1e6)
}

// share prints part as a percentage of whole: " (85% from the cache)".
func share(part, whole uint64, what string) string {
	if whole == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d%% %s)", part*100/whole, what)
}
