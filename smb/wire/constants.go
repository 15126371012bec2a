package wire

// Access mask bits, MS-SMB2 2.2.13.1.1 (files) and 2.2.13.1.2 (directories).
const (
	FileReadData         uint32 = 0x00000001
	FileListDirectory    uint32 = 0x00000001
	FileWriteData        uint32 = 0x00000002
	FileAddFile          uint32 = 0x00000002
	FileAppendData       uint32 = 0x00000004
	FileAddSubdirectory  uint32 = 0x00000004
	FileReadEA           uint32 = 0x00000008
	FileWriteEA          uint32 = 0x00000010
	FileExecute          uint32 = 0x00000020
	FileTraverse         uint32 = 0x00000020
	FileDeleteChild      uint32 = 0x00000040
	FileReadAttributes   uint32 = 0x00000080
	FileWriteAttributes  uint32 = 0x00000100
	Delete               uint32 = 0x00010000
	ReadControl          uint32 = 0x00020000
	WriteDAC             uint32 = 0x00040000
	WriteOwner           uint32 = 0x00080000
	Synchronize          uint32 = 0x00100000
	AccessSystemSecurity uint32 = 0x01000000
	MaximumAllowed       uint32 = 0x02000000
	GenericAll           uint32 = 0x10000000
	GenericExecute       uint32 = 0x20000000
	GenericWrite         uint32 = 0x40000000
	GenericRead          uint32 = 0x80000000
)

// ShareAccess, MS-SMB2 2.2.13.
const (
	ShareRead   uint32 = 0x1
	ShareWrite  uint32 = 0x2
	ShareDelete uint32 = 0x4
)

// CreateDisposition, MS-SMB2 2.2.13.
const (
	FileSupersede   uint32 = 0
	FileOpen        uint32 = 1
	FileCreate      uint32 = 2
	FileOpenIf      uint32 = 3
	FileOverwrite   uint32 = 4
	FileOverwriteIf uint32 = 5
)

// CreateOptions, MS-SMB2 2.2.13.
const (
	FileDirectoryFile           uint32 = 0x00000001
	FileWriteThrough            uint32 = 0x00000002
	FileSequentialOnly          uint32 = 0x00000004
	FileNoIntermediateBuffering uint32 = 0x00000008
	FileSynchronousIOAlert      uint32 = 0x00000010
	FileSynchronousIONonalert   uint32 = 0x00000020
	FileNonDirectoryFile        uint32 = 0x00000040
	FileCompleteIfOplocked      uint32 = 0x00000100
	FileNoEAKnowledge           uint32 = 0x00000200
	FileRandomAccess            uint32 = 0x00000800
	FileDeleteOnClose           uint32 = 0x00001000
	FileOpenByFileID            uint32 = 0x00002000
	FileOpenForBackupIntent     uint32 = 0x00004000
	FileNoCompression           uint32 = 0x00008000
	FileOpenReparsePoint        uint32 = 0x00200000
	FileOpenNoRecall            uint32 = 0x00400000
)

// CreateAction, MS-SMB2 2.2.14.
const (
	FileSuperseded  uint32 = 0
	FileOpened      uint32 = 1
	FileCreated     uint32 = 2
	FileOverwritten uint32 = 3
)

// Oplock levels, MS-SMB2 2.2.13.
const (
	OplockLevelNone      uint8 = 0x00
	OplockLevelII        uint8 = 0x01
	OplockLevelExclusive uint8 = 0x08
	OplockLevelBatch     uint8 = 0x09
	OplockLevelLease     uint8 = 0xFF
)

// Lease states, MS-SMB2 2.2.13.2.8.
const (
	LeaseRead   uint32 = 0x01
	LeaseHandle uint32 = 0x02
	LeaseWrite  uint32 = 0x04
)

// ImpersonationLevel, MS-SMB2 2.2.13.
const (
	ImpersonationAnonymous      uint32 = 0
	ImpersonationIdentification uint32 = 1
	ImpersonationImpersonation  uint32 = 2
	ImpersonationDelegate       uint32 = 3
)

// InfoType, MS-SMB2 2.2.37.
const (
	InfoFile       uint8 = 0x01
	InfoFilesystem uint8 = 0x02
	InfoSecurity   uint8 = 0x03
	InfoQuota      uint8 = 0x04
)

// Security AdditionalInformation, MS-SMB2 2.2.37.
const (
	OwnerSecurityInformation uint32 = 0x00000001
	GroupSecurityInformation uint32 = 0x00000002
	DACLSecurityInformation  uint32 = 0x00000004
	SACLSecurityInformation  uint32 = 0x00000008
)
