package quorumdisk

// Internals for the external tests.
var (
	ScanIn    = scan
	OpenError = openError
)
