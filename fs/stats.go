package fs

import (
	"sync/atomic"

	"github.com/gosmb/gosmb/smb"
)

// Conn returns the SMB connection the mount's requests travel on. Its
// traffic counters (smb.Conn.Stats: requests and error replies by command,
// bytes each way) are what `gosmb stats` shows beside the mount's own
// counters (Stats), as cifs.ko's /proc/fs/cifs/Stats does.
func (m *Mount) Conn() *smb.Conn { return m.share.Conn }

// Share returns the mount's SMB session and tree (gosmb info, gosmb keys).
func (m *Mount) Share() *smb.Share { return m.share }

// Leases counts the files and directories the mount holds leases on now.
func (m *Mount) Leases() (files, dirs int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range m.leases {
		if n.IsDir() {
			dirs++
		} else {
			files++
		}
	}
	return files, dirs
}

// ResetStats sets the mount's counters, and its connection's, to zero.
func (m *Mount) ResetStats() {
	m.share.Conn.Stats.Reset()
	s := &m.stats
	for _, c := range []*atomic.Uint64{&s.opens, &s.reusedOpens, &s.breaks, &s.readBytes, &s.writeBytes, &s.lookups, &s.cachedLookups, &s.listings} {
		c.Store(0)
	}
	m.budget.ResetPeak()
}
