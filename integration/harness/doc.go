// Package harness runs real quorated processes for the integration tests
// and the benchmarks: a quorum disk on a loop device opened O_DIRECT, nodes
// on loopback UDP ports, partitions made with iptables, disk stalls made
// with the kernel's blkio throttling, pauses with SIGSTOP. In netns mode
// (Options.Netns, netns.go) each node is a network namespace on a private
// bridge instead, with a client namespace beside them. Everything it
// creates it removes again in Close. It needs root.
package harness
