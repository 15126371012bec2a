package fs

import (
	"context"
	"errors"
	"syscall"

	"github.com/gosmb/gosmb/smb"
	"github.com/gosmb/gosmb/smb/wire"
)

// statusErrno is the one NTSTATUS → errno table of the project.
var statusErrno = map[wire.Status]syscall.Errno{
	wire.StatusObjectNameNotFound:    syscall.ENOENT,
	wire.StatusObjectPathNotFound:    syscall.ENOENT,
	wire.StatusNoSuchFile:            syscall.ENOENT,
	wire.StatusDeletePending:         syscall.ENOENT,
	wire.StatusFileDeleted:           syscall.ENOENT,
	wire.StatusObjectNameInvalid:     syscall.ENOENT,
	wire.StatusObjectPathSyntaxBad:   syscall.ENOENT,
	wire.StatusAccessDenied:          syscall.EACCES,
	wire.StatusNetworkAccessDenied:   syscall.EACCES,
	wire.StatusPrivilegeNotHeld:      syscall.EPERM,
	wire.StatusCannotDelete:          syscall.EACCES,
	wire.StatusObjectNameCollision:   syscall.EEXIST,
	wire.StatusObjectNameExists:      syscall.EEXIST,
	wire.StatusDirectoryNotEmpty:     syscall.ENOTEMPTY,
	wire.StatusNotADirectory:         syscall.ENOTDIR,
	wire.StatusFileIsADirectory:      syscall.EISDIR,
	wire.StatusSharingViolation:      syscall.EBUSY,
	wire.StatusDiskFull:              syscall.ENOSPC,
	wire.StatusQuotaExceeded:         syscall.EDQUOT,
	wire.StatusDiskQuotaExceeded:     syscall.EDQUOT,
	wire.StatusNotSupported:          syscall.EOPNOTSUPP,
	wire.StatusNotImplemented:        syscall.EOPNOTSUPP,
	wire.StatusInvalidDeviceRequest:  syscall.EOPNOTSUPP,
	wire.StatusNotSameDevice:         syscall.EXDEV,
	wire.StatusFileLockConflict:      syscall.EAGAIN,
	wire.StatusLockNotGranted:        syscall.EAGAIN,
	wire.StatusRangeNotLocked:        syscall.ENOLCK,
	wire.StatusNameTooLong:           syscall.ENAMETOOLONG,
	wire.StatusInvalidParameter:      syscall.EINVAL,
	wire.StatusMediaWriteProtected:   syscall.EROFS,
	wire.StatusFileTooLarge:          syscall.EFBIG,
	wire.StatusTooManyOpenedFiles:    syscall.EMFILE,
	wire.StatusInsufficientResources: syscall.ENOMEM,
	wire.StatusNoMemory:              syscall.ENOMEM,
	wire.StatusEAsNotSupported:       syscall.EOPNOTSUPP,
	wire.StatusNoEAsOnFile:           syscall.ENODATA,
	wire.StatusEndOfFile:             0,
	wire.StatusCancelled:             syscall.EINTR,
	wire.StatusNetworkNameDeleted:    syscall.EIO,
	wire.StatusUserSessionDeleted:    syscall.EIO,
	wire.StatusNetworkSessionExpired: syscall.EIO,
	wire.StatusIOTimeout:             syscall.ETIMEDOUT,
	wire.StatusFileClosed:            syscall.EBADF,
	wire.StatusInvalidHandle:         syscall.EBADF,
	wire.StatusNotAReparsePoint:      syscall.EINVAL,
	wire.StatusIllegalCharacter:      syscall.EINVAL,
}

// toErrno maps an error from the smb layer to an errno for the kernel.
// Connection and security failures become EIO: the application cannot fix
// them, and the log says what happened.
func toErrno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var se *smb.StatusError
	if errors.As(err, &se) {
		if e, ok := statusErrno[se.Status]; ok {
			return e
		}
		return syscall.EIO
	}
	var st wire.Status
	if errors.As(err, &st) {
		if e, ok := statusErrno[st]; ok {
			return e
		}
		return syscall.EIO
	}
	if errors.Is(err, context.Canceled) {
		return syscall.EINTR
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return syscall.ETIMEDOUT
	}
	var en syscall.Errno
	if errors.As(err, &en) {
		return en
	}
	return syscall.EIO
}
