// Package fs is gosmb's FUSE front end: one go-fuse node per inode over an
// smb.Tree, mapping each VFS operation onto SMB2 requests (compounded where
// one operation needs several) and NTSTATUS onto errno in one table
// (errno.go).
//
// # Caching and coherency
//
// This layer caches only what a timeout covers, like cifs.ko without
// leases: the kernel keeps attributes and directory entries for
// Config.AttrTimeout (actimeo=, default 1 s), and a directory listing
// primes the attributes of its entries for the same time so that `ls -l`
// costs one QUERY_DIRECTORY, not one round trip per file (readdirplus).
// With cache=none nothing is cached and file data bypasses the kernel page
// cache (direct I/O). With cache=strict (the default) the kernel page cache
// holds file data only while the file is open and is dropped at the next
// open; cache=loose keeps it across opens. Lease-driven caching comes with
// the cache/ layer.
//
// # Ownership and permissions
//
// With SMB3 POSIX extensions (posix) modes, owners and link counts come from
// the server. Without them, as mount.cifs does: every file shows uid=/gid=
// (default: the mounting user) and file_mode=/dir_mode= (default 0755), the
// DOS read-only attribute clears the write bits, and the server alone
// decides access (noperm is implied: the kernel does not check modes).
//
// # Options and their cifs.ko names
//
//	Config.UID, GID        uid=, gid=          default: the mounting user
//	Config.FileMode        file_mode=          default 0755
//	Config.DirMode         dir_mode=           default 0755
//	Config.AttrTimeout     actimeo=            default 1s
//	Config.Cache           cache=              strict (default), loose, none
//	Config.ReadOnly        ro                  default rw
//	Config.AllowOther      allow_other         default off (root mounts: on)
package fs
