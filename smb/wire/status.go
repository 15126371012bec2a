package wire

import "fmt"

// Status is an NTSTATUS value, MS-ERREF 2.3. It implements error so that a
// reply's status can be matched with errors.Is(err, wire.StatusAccessDenied).
type Status uint32

// Severity bits: the top two bits of an NTSTATUS.
func (s Status) IsError() bool   { return uint32(s)>>30 == 3 }
func (s Status) IsWarning() bool { return uint32(s)>>30 == 2 }
func (s Status) IsSuccess() bool { return uint32(s)>>30 == 0 }

func (s Status) Error() string { return s.String() }

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("NTSTATUS_0x%08X", uint32(s))
}

// Name returns the MS-ERREF symbolic name, or "" when unknown.
func (s Status) Name() string { return statusNames[s] }

// statusNames maps each known status to its MS-ERREF name. Kept beside the
// constants in status_codes.go; a test checks every constant has a name.
var statusNames = map[Status]string{}
