// Package qdtest has test helpers for code that uses quorumdisk:
//
//   - DirectIODir and NewDeviceFile give a real file that supports O_DIRECT
//     (t.TempDir, or /var/tmp when the temp dir is on tmpfs), for tests
//     that exercise the real I/O path.
//   - MemDevice is an in-memory quorumdisk.BlockDevice that enforces the
//     alignment contract, and Gate wraps any BlockDevice so that calls
//     block until released (a SAN path loss). They are for unit tests of
//     encodings and deadlines only; tests of the real I/O path use a file.
package qdtest
