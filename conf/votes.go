package conf

import "fmt"

// checkVotes enforces two_node's rules and that quorum is reachable.
func (d *decoder) checkVotes(root, cman *elem, c *Cluster) {
	if cman == nil {
		cman = root
	}
	if c.CMAN.TwoNode {
		if len(c.Nodes) != 2 {
			d.add(cman, fmt.Sprintf("two_node=\"1\" needs exactly 2 nodes, found %d", len(c.Nodes)), "remove two_node or configure exactly two <clusternode>s")
		}
		if c.CMAN.ExpectedVotes != 1 {
			d.add(cman, "two_node=\"1\" requires expected_votes=\"1\"", `add expected_votes="1" to <cman>`)
		}
		return
	}
	total := c.totalVotes()
	if total == 0 && len(c.Nodes) > 0 {
		d.add(cman, "the nodes and the quorum disk have 0 votes in total, so the cluster can never be quorate", `give nodes votes="1"`)
		return
	}
	if need := c.QuorumVotes(); need > total && total > 0 {
		d.add(cman, fmt.Sprintf("expected_votes %d needs %d votes for quorum but the nodes and the quorum disk have only %d", c.ExpectedVotes(), need, total),
			fmt.Sprintf("lower expected_votes to at most %d, or remove it to derive it", 2*total-1))
	}
}
