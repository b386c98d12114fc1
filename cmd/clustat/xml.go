package main

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/quorate/quorate/api"
)

// The XML document of rgmanager's clustat -x (version 4.1.1). Sections
// are pointers so that -m and -s can leave them out, as rgmanager did.
type xmlClustat struct {
	XMLName xml.Name    `xml:"clustat"`
	Version string      `xml:"version,attr"`
	Cluster *xmlCluster `xml:"cluster"`
	Quorum  *xmlQuorum  `xml:"quorum"`
	Nodes   *xmlNodes   `xml:"nodes"`
	Groups  *xmlGroups  `xml:"groups"`
}

type xmlCluster struct {
	Name       string `xml:"name,attr"`
	ID         int    `xml:"id,attr"`
	Generation uint64 `xml:"generation,attr"`
}

type xmlQuorum struct {
	Quorate     int `xml:"quorate,attr"`
	GroupMember int `xml:"groupmember,attr"`
}

type xmlNodes struct {
	Nodes []xmlNode `xml:"node"`
}

type xmlNode struct {
	Name            string `xml:"name,attr"`
	State           int    `xml:"state,attr"`
	Local           int    `xml:"local,attr"`
	Estranged       int    `xml:"estranged,attr"`
	RGManager       int    `xml:"rgmanager,attr"`
	RGManagerMaster int    `xml:"rgmanager_master,attr"`
	QDisk           int    `xml:"qdisk,attr"`
	NodeID          string `xml:"nodeid,attr"`
}

type xmlGroups struct {
	Groups []xmlGroup `xml:"group"`
}

type xmlGroup struct {
	Name              string `xml:"name,attr"`
	State             int    `xml:"state,attr"`
	StateStr          string `xml:"state_str,attr"`
	Flags             int    `xml:"flags,attr"`
	FlagsStr          string `xml:"flags_str,attr"`
	Owner             string `xml:"owner,attr"`
	LastOwner         string `xml:"last_owner,attr"`
	Restarts          int    `xml:"restarts,attr"`
	LastTransition    int64  `xml:"last_transition,attr"`
	LastTransitionStr string `xml:"last_transition_str,attr"`
}

const xmlVersion = "4.1.1"

// writeXML renders r as rgmanager's clustat -x document.
func writeXML(w io.Writer, r *report) error {
	doc := xmlClustat{Version: xmlVersion}
	if r.showSummary {
		doc.Cluster = &xmlCluster{Name: r.st.Cluster.Name, Generation: r.st.Cluster.Generation}
		doc.Quorum = xmlQuorumOf(r)
	}
	if r.showMembers {
		doc.Nodes = &xmlNodes{Nodes: make([]xmlNode, 0, len(r.members))}
		for _, m := range r.members {
			doc.Nodes.Nodes = append(doc.Nodes.Nodes, xmlNodeOf(m))
		}
	}
	if r.showServices {
		doc.Groups = &xmlGroups{Groups: make([]xmlGroup, 0, len(r.services))}
		for _, s := range r.services {
			doc.Groups.Groups = append(doc.Groups.Groups, xmlGroupOf(s))
		}
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "<?xml version=\"1.0\"?>\n"+string(out)+"\n")
	return err
}

// xmlQuorumOf: groupmember is 1 when the local node takes part in service
// management, i.e. the cluster is quorate and the local node is online.
func xmlQuorumOf(r *report) *xmlQuorum {
	q := &xmlQuorum{Quorate: b2i(r.st.Quorum.Quorate)}
	for _, m := range r.members {
		if m.local && m.online() && r.st.Quorum.Quorate {
			q.GroupMember = 1
		}
	}
	return q
}

func xmlNodeOf(m memberRow) xmlNode {
	return xmlNode{
		Name:            m.name,
		State:           b2i(m.online()),
		Local:           b2i(m.local),
		RGManager:       b2i(m.online() && !m.qdisk),
		RGManagerMaster: b2i(m.master),
		QDisk:           b2i(m.qdisk),
		NodeID:          nodeIDText(m.id),
	}
}

func xmlGroupOf(s api.Service) xmlGroup {
	val, long, _ := flags(s.Frozen)
	g := xmlGroup{
		Name:              s.FullName(),
		State:             stateCode(s.State),
		StateStr:          s.State,
		Flags:             val,
		FlagsStr:          long,
		Owner:             nameOrNone(s.Owner),
		LastOwner:         nameOrNone(s.LastOwner),
		Restarts:          s.Restarts,
		LastTransitionStr: transitionText(s.LastTransition),
	}
	if !s.LastTransition.IsZero() {
		g.LastTransition = s.LastTransition.Unix()
	}
	return g
}

// nodeIDText is a node id as rgmanager prints it: 0x%08x.
func nodeIDText(id int) string {
	return fmt.Sprintf("0x%08x", uint32(id))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
