// Package harness runs real quorated processes for the integration tests
// and the benchmarks: a quorum disk on a loop device opened O_DIRECT, nodes
// on loopback UDP ports, partitions made with iptables, disk stalls made
// with the kernel's blkio throttling, pauses with SIGSTOP. Everything it
// creates it removes again in Close. It needs root.
package harness
