package fs

import "github.com/gosmb/gosmb/smb"

// Conn returns the SMB connection the mount's requests travel on. Its
// traffic counters (smb.Conn.Stats: requests and error replies by command,
// bytes each way) are what `gosmb stats` shows beside the mount's own
// counters (Stats), as cifs.ko's /proc/fs/cifs/Stats does.
func (m *Mount) Conn() *smb.Conn { return m.share.Conn }
