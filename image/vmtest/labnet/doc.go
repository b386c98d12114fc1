// Package labnet is the address plan and the DHCP logic of the VM test
// lab (image/vmtest): a private /24 on a bridge inside a network
// namespace, where VM n has MAC 52:54:00:77:00:nn, address 10.77.0.(10+n)
// and host name "noden". Reply builds the DHCPv4 answer of a static-lease
// server (github.com/insomniacslk/dhcp) for that plan; cmd labdhcp serves
// it on the bridge.
//
// Leases are infinite: the appliance does not renew its lease, so a lab
// (or production) DHCP server should hand appliance nodes fixed addresses
// that do not expire.
package labnet
