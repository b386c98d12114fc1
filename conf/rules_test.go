package conf

import (
	"errors"
	"testing"
)

// base is a minimal valid configuration; cases below are variations of it.
const base = `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`

// ruleCases has one case per validation rule, with the exact text Parse
// reports. The file name is always "cluster.conf".
var ruleCases = []struct {
	name, xml, want string
}{
	{"base is valid", base, ""},
	// ---- XML and structure
	{"syntax error", `<cluster name="c" config_version="1">
  <quorumd label="q">
</cluster>`,
		"cluster.conf:3: XML syntax error: element <quorumd> closed by </cluster>; fix the XML (matching quotes and end tags, & written as &amp;, UTF-8 text)"},
	{"empty file", ``,
		"cluster.conf:1: no <cluster> element; start the file with <cluster name=\"...\" config_version=\"1\">"},
	{"comment only", `<!-- nothing -->`,
		"cluster.conf:1: no <cluster> element; start the file with <cluster name=\"...\" config_version=\"1\">"},
	{"encoding", `<?xml version="1.0" encoding="ISO-8859-1"?>
<cluster/>`,
		"cluster.conf:1: the file declares an encoding other than UTF-8; save it as UTF-8 (iconv -t UTF-8) and write <?xml version=\"1.0\"?>"},
	{"namespace on the root", `<cluster xmlns="urn:x" name="c"/>`,
		"cluster.conf:1: <cluster name=\"c\">: XML namespaces are not supported; remove the xmlns attribute"},
	{"root is not cluster", `<clusters name="c"/>`,
		"cluster.conf:1: <clusters name=\"c\">: the root element must be <cluster>; start the file with <cluster name=\"...\" config_version=\"1\">"},
	{"second root", base + "\n<cluster/>",
		"cluster.conf:7: <cluster>: second root element; a file holds one <cluster>; remove the rest"},
	{"text outside root", base + "\nhello",
		"cluster.conf:7: text outside <cluster>; remove it"},
	{"text inside element", `<cluster name="c" config_version="1">
  <quorumd label="q">
    label is q
  </quorumd>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:3: <quorumd label=\"q\">: unexpected text; remove it; values go in attributes"},
	{"unknown element with suggestion", `<cluster name="c" config_version="1">
  <totm token="500"/>
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <totm>: unknown element <totm> inside <cluster>; did you mean <totem>?"},
	{"unknown element without suggestion", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <logging debug="on"/>
</cluster>`,
		"cluster.conf:6: <logging>: unknown element <logging> inside <cluster>; remove it; known: <cman>, <totem>, <quorumd>, <fence_daemon>, <clusternodes>, <fencedevices>, <rm>"},
	{"child of a leaf element", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <fencedevices>
    <fencedevice name="f" agent="fence_x"><opt/></fencedevice>
  </fencedevices>
</cluster>`,
		"cluster.conf:7: <opt>: unexpected element inside <fencedevice>; <fencedevice> takes no child elements; remove it"},
	{"unsupported rgmanager element", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm>
    <vm name="guest1"/>
  </rm>
</cluster>`,
		"cluster.conf:7: <vm name=\"guest1\">: <vm> is not supported by quorate; virtual machines are not supported; wrap the VM in a <systemd> or <script> resource inside a <service>"},
	{"section given twice", `<cluster name="c" config_version="1">
  <totem token="500"/>
  <quorumd label="q"/>
  <totem token="600"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:4: <totem>: <totem> is given twice (also line 2); merge them into one <totem>"},
	{"unknown attribute with suggestion", `<cluster name="c" config_version="1">
  <quorumd label="q" intervl="1"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <quorumd label=\"q\">: unknown attribute \"intervl\"; did you mean \"interval\"?"},
	{"unknown attribute without suggestion", `<cluster name="c" config_version="1">
  <cman quorum_dev_poll="10000"/>
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <cman>: unknown attribute \"quorum_dev_poll\"; remove it; known: \"two_node\", \"expected_votes\""},
	{"attribute given twice", `<cluster name="c" config_version="1">
  <quorumd label="q" tko="3" tko="5"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <quorumd label=\"q\">: attribute \"tko\" is given twice; keep one of them"},
	{"namespaces", `<cluster name="c" config_version="1" xmlns:q="urn:q">
  <quorumd label="q" q:tko="3"/>
  <clusternodes>
    <q:clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:1: <cluster name=\"c\">: namespaced attribute \"xmlns:q\" is not supported; remove it\n" +
			"cluster.conf:2: <quorumd label=\"q\">: namespaced attribute \"urn:q:tko\" is not supported; remove it\n" +
			"cluster.conf:3: <clusternodes>: no <clusternode>; add a <clusternode name=\"...\" nodeid=\"1\"/> per node\n" +
			"cluster.conf:4: <clusternode name=\"n1\">: namespaced element is not supported; remove the namespace"},
	// ---- cluster
	{"cluster name and version missing", `<cluster>
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:1: <cluster>: name is missing; add name=\"mycluster\"\n" +
			"cluster.conf:1: <cluster>: config_version is missing; set config_version=\"1\" and raise it with every change"},
	{"config_version not positive", `<cluster name="c" config_version="0">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:1: <cluster name=\"c\">: config_version=\"0\" is not a positive whole number; set config_version=\"1\" and raise it with every change"},
	{"config_version not a number", `<cluster name="c" config_version="1.5">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:1: <cluster name=\"c\">: config_version=\"1.5\" is not a positive whole number; set config_version=\"1\" and raise it with every change"},
	// ---- nodes
	{"no clusternodes", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
</cluster>`,
		"cluster.conf:1: <cluster name=\"c\">: no <clusternodes>; add <clusternodes> with a <clusternode name=\"...\" nodeid=\"1\"/> per node"},
	{"empty clusternodes", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
  </clusternodes>
</cluster>`,
		"cluster.conf:3: <clusternodes>: no <clusternode>; add a <clusternode name=\"...\" nodeid=\"1\"/> per node"},
	{"node name and nodeid missing", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode votes="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:4: <clusternode>: name is missing; add name=\"node1\"\n" +
			"cluster.conf:4: <clusternode>: nodeid is missing; add a unique nodeid=\"N\" with N from 1 to 256"},
	{"nodeid out of range", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="0"/>
    <clusternode name="n2" nodeid="257"/>
    <clusternode name="n3" nodeid="three"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:4: <clusternode name=\"n1\">: nodeid 0 is out of range; use a number from 1 to 256\n" +
			"cluster.conf:5: <clusternode name=\"n2\">: nodeid 257 is out of range; use a number from 1 to 256\n" +
			"cluster.conf:6: <clusternode name=\"n3\">: nodeid=\"three\" is not a whole number; write a number from 1 to 256"},
	{"nodeid, name and addr used twice", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1" addr="10.0.0.1"/>
    <clusternode name="n2" nodeid="2" addr2="10.0.0.1:5405"/>
    <clusternode name="n1" nodeid="2"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:5: <clusternode name=\"n2\">: address 10.0.0.1:5405 is used twice (also line 4); give each node its own addr and addr2\n" +
			"cluster.conf:6: <clusternode name=\"n1\">: node name \"n1\" is used twice (also line 4); give each node a unique name\n" +
			"cluster.conf:6: <clusternode name=\"n1\">: nodeid 2 is used twice (also line 5); give each node a unique nodeid"},
	{"bad addresses", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1" addr="10.0.0.1:99999"/>
    <clusternode name="n2" nodeid="2" addr="a:b:c"/>
    <clusternode name="node two" nodeid="3"/>
    <clusternode name="n4" nodeid="4" addr2="bad host"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:4: <clusternode name=\"n1\">: addr \"10.0.0.1:99999\": port must be a number from 1 to 65535; write addr=\"host\" or addr=\"host:port\" with a host name or IP address\n" +
			"cluster.conf:5: <clusternode name=\"n2\">: addr \"a:b:c\": not host or host:port; write addr=\"host\" or addr=\"host:port\" with a host name or IP address\n" +
			"cluster.conf:6: <clusternode name=\"node two\">: node name \"node two\" is not a valid host name and addr is not set; add addr=\"IP or host name\"\n" +
			"cluster.conf:7: <clusternode name=\"n4\">: addr2 \"bad host\": not a valid host name or IP address; write addr2=\"host\" or addr2=\"host:port\" with a host name or IP address"},
	{"negative votes", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1" votes="-1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:4: <clusternode name=\"n1\">: votes -1 is out of range; use a number from 0 to 65535"},
	// ---- cman and quorum
	{"two_node with three nodes", `<cluster name="c" config_version="1">
  <cman two_node="1" expected_votes="1"/>
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
    <clusternode name="n2" nodeid="2"/>
    <clusternode name="n3" nodeid="3"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <cman>: two_node=\"1\" needs exactly 2 nodes, found 3; remove two_node or configure exactly two <clusternode>s"},
	{"two_node without expected_votes 1", `<cluster name="c" config_version="1">
  <cman two_node="yes"/>
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
    <clusternode name="n2" nodeid="2"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <cman>: two_node=\"1\" requires expected_votes=\"1\"; add expected_votes=\"1\" to <cman>"},
	{"quorum unreachable", `<cluster name="c" config_version="1">
  <cman expected_votes="12"/>
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
    <clusternode name="n2" nodeid="2"/>
    <clusternode name="n3" nodeid="3"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <cman>: expected_votes 12 needs 7 votes for quorum but the nodes and the quorum disk have only 5; lower expected_votes to at most 9, or remove it to derive it"},
	{"no votes at all", `<cluster name="c" config_version="1">
  <quorumd label="q" votes="0"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1" votes="0"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:1: <cluster name=\"c\">: the nodes and the quorum disk have 0 votes in total, so the cluster can never be quorate; give nodes votes=\"1\""},
	{"boolean not understood", `<cluster name="c" config_version="1">
  <cman two_node="maybe"/>
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <cman>: two_node=\"maybe\" is not a boolean; write two_node=\"1\" or two_node=\"0\""},
	// ---- quorumd
	{"quorumd missing", `<cluster name="c" config_version="1">
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:1: <cluster name=\"c\">: quorum disk missing: no <quorumd>; add <quorumd label=\"...\"/> naming the quorum disk (its mkqdisk label)"},
	{"quorumd without label or device", `<cluster name="c" config_version="1">
  <quorumd interval="1"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <quorumd>: quorum disk missing: <quorumd> has neither label nor device; add label=\"...\" (the mkqdisk label) or device=\"/dev/...\""},
	{"quorumd device not absolute", `<cluster name="c" config_version="1">
  <quorumd device="sdb"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <quorumd device=\"sdb\">: device \"sdb\" is not an absolute path; write the full path, e.g. device=\"/dev/disk/by-id/...\""},
	{"tko too small", `<cluster name="c" config_version="1">
  <quorumd label="q" tko="1"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <quorumd label=\"q\">: tko 1 is out of range; use a number from 2 to 1000"},
	{"tko_up above tko", `<cluster name="c" config_version="1">
  <quorumd label="q" tko="3" tko_up="5"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <quorumd label=\"q\">: tko_up 5 is larger than tko 3; set tko_up to at most 3"},
	{"bad intervals", `<cluster name="c" config_version="1">
  <quorumd label="q" interval="0"/>
  <fence_daemon post_fail_delay="soon" post_join_delay="0.0000000001" />
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm>
    <service name="s" restart_expire_time="86401"/>
  </rm>
</cluster>`,
		"cluster.conf:2: <quorumd label=\"q\">: interval must be greater than 0; set a positive number of seconds, e.g. interval=\"0.1\"\n" +
			"cluster.conf:3: <fence_daemon>: post_fail_delay=\"soon\" is not a number of seconds; write a decimal number of seconds, e.g. post_fail_delay=\"0\"\n" +
			"cluster.conf:3: <fence_daemon>: post_join_delay=\"0.0000000001\" has more decimal places than a nanosecond; round it\n" +
			"cluster.conf:8: <service name=\"s\">: restart_expire_time=\"86401\" is longer than 24 hours; use at most 86400 seconds"},
	{"io_timeout longer than interval", `<cluster name="c" config_version="1">
  <quorumd label="q" interval="0.2" io_timeout="0.5"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <quorumd label=\"q\">: io_timeout 0.5s is longer than interval 0.2s, so a slow write would make this node's slot look stale; set io_timeout to at most 0.2 or interval to at least 0.5"},
	{"lease_timeout too short", `<cluster name="c" config_version="1">
  <quorumd label="q" interval="0.1" tko="4" lease_timeout="0.4"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <quorumd label=\"q\">: lease_timeout 0.4s is not longer than interval × tko = 0.4s, so the arbiter lease could lapse while its holder still counts as alive; set lease_timeout above 0.4 (default interval × (tko+2) = 0.6), or lower interval or tko"},
	{"heuristic values", `<cluster name="c" config_version="1">
  <quorumd label="q">
    <heuristic program="ping -c1 gw" score="2" interval="0"/>
    <heuristic score="0" tko="0"/>
  </quorumd>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:3: <heuristic program=\"ping -c1 gw\">: interval must be greater than 0; set a positive number of seconds, e.g. interval=\"0.1\"\n" +
			"cluster.conf:4: <heuristic>: program is missing; add program=\"ping -c1 -w1 192.168.1.254\"\n" +
			"cluster.conf:4: <heuristic>: score 0 is out of range; use a number from 1 to 1000\n" +
			"cluster.conf:4: <heuristic>: tko 0 is out of range; use a number from 1 to 1000"},
	{"min_score above the heuristics' total", `<cluster name="c" config_version="1">
  <quorumd label="q" min_score="4">
    <heuristic program="ping -c1 gw" score="2"/>
    <heuristic program="test -e /run/app.ok"/>
  </quorumd>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <quorumd label=\"q\">: min_score 4 is more than the heuristics' total score 3, so no node could ever qualify; set min_score to at most 3"},
	{"min_score without heuristics", `<cluster name="c" config_version="1">
  <quorumd label="q" min_score="1"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <quorumd label=\"q\">: min_score 1 is set but there is no <heuristic>; add <heuristic> elements or remove min_score"},
	// ---- totem
	{"hb_interval more than half the token", `<cluster name="c" config_version="1">
  <totem token="400" hb_interval="300"/>
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <totem>: hb_interval 300ms is more than half of token 400ms, so one lost heartbeat could expire the token; set hb_interval to at most 200 or token to at least 600"},
	{"token too short, port, keyfile", `<cluster name="c" config_version="1">
  <totem token="0.5" port="0" keyfile="authkey" secauth="never"/>
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
</cluster>`,
		"cluster.conf:2: <totem>: token 0.5ms is shorter than 1ms; set token in milliseconds, e.g. token=\"400\"\n" +
			"cluster.conf:2: <totem>: keyfile \"authkey\" is not an absolute path; write the full path, e.g. keyfile=\"/etc/cluster/authkey\"\n" +
			"cluster.conf:2: <totem>: secauth=\"never\" is not a boolean; write secauth=\"1\" or secauth=\"0\"\n" +
			"cluster.conf:2: <totem>: port 0 is out of range; use a number from 1 to 65535"},
	// ---- fencing
	{"fence device not defined", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1">
      <fence>
        <method name="1">
          <device name="ipmi-nl"/>
        </method>
      </fence>
      <unfence>
        <device name="scsi"/>
      </unfence>
    </clusternode>
  </clusternodes>
  <fencedevices>
    <fencedevice name="ipmi-n1" agent="fence_ipmilan"/>
  </fencedevices>
</cluster>`,
		"cluster.conf:7: <device name=\"ipmi-nl\">: fence device \"ipmi-nl\" is not defined in <fencedevices>; did you mean \"ipmi-n1\"?\n" +
			"cluster.conf:11: <device name=\"scsi\">: fence device \"scsi\" is not defined in <fencedevices>; add <fencedevice name=\"scsi\" agent=\"fence_...\"/> to <fencedevices>; known: \"ipmi-n1\""},
	{"fencedevice name and agent", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <fencedevices>
    <fencedevice name="f1" agent="fence_a"/>
    <fencedevice name="f1" agent="fence_b"/>
    <fencedevice ipaddr="10.0.0.9"/>
  </fencedevices>
</cluster>`,
		"cluster.conf:8: <fencedevice name=\"f1\">: fence device name \"f1\" is used twice (also line 7); give each <fencedevice> a unique name\n" +
			"cluster.conf:9: <fencedevice>: name is missing; add name=\"ipmi-n1\"\n" +
			"cluster.conf:9: <fencedevice>: agent is missing; add agent=\"fence_ipmilan\""},
	{"fence methods", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1">
      <fence>
        <method name="1"/>
        <method name="1">
          <device name="f"/>
        </method>
        <method>
          <device port="3"/>
        </method>
      </fence>
    </clusternode>
  </clusternodes>
  <fencedevices>
    <fencedevice name="f" agent="fence_x"/>
  </fencedevices>
</cluster>`,
		"cluster.conf:6: <method name=\"1\">: method has no <device>; add <device name=\"...\"/> naming a <fencedevice>, or remove the method\n" +
			"cluster.conf:7: <method name=\"1\">: method name \"1\" is used twice (also line 6); give each method of a node a unique name\n" +
			"cluster.conf:10: <method>: name is missing; add name=\"3\"\n" +
			"cluster.conf:11: <device>: name is missing; add name=\"ipmi-n1\""},
	// ---- rm
	{"failover domains", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
    <clusternode name="n2" nodeid="2"/>
  </clusternodes>
  <rm>
    <failoverdomains>
      <failoverdomain name="d" ordered="1">
        <failoverdomainnode name="n1" priority="0"/>
        <failoverdomainnode name="n3" priority="101"/>
        <failoverdomainnode name="n1"/>
      </failoverdomain>
      <failoverdomain name="d"/>
    </failoverdomains>
  </rm>
</cluster>`,
		"cluster.conf:10: <failoverdomainnode name=\"n1\">: priority 0 is out of range; use a number from 1 to 100\n" +
			"cluster.conf:11: <failoverdomainnode name=\"n3\">: priority 101 is out of range; use a number from 1 to 100\n" +
			"cluster.conf:11: <failoverdomainnode name=\"n3\">: \"n3\" is not a <clusternode>; did you mean \"n1\"?\n" +
			"cluster.conf:12: <failoverdomainnode name=\"n1\">: node \"n1\" is listed twice in this domain (also line 10); list each node once\n" +
			"cluster.conf:14: <failoverdomain name=\"d\">: failover domain name \"d\" is used twice (also line 9); give each <failoverdomain> a unique name\n" +
			"cluster.conf:14: <failoverdomain name=\"d\">: failover domain has no <failoverdomainnode>; add <failoverdomainnode name=\"...\"/> for each node of the domain"},
	{"services", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm>
    <failoverdomains>
      <failoverdomain name="web">
        <failoverdomainnode name="n1"/>
      </failoverdomain>
    </failoverdomains>
    <service name="a" domain="webs" recovery="reboot" max_restarts="-1"/>
    <service name="a" recovry="restart" __independent_subtree="1"/>
    <service autostart="1"/>
  </rm>
</cluster>`,
		"cluster.conf:12: <service name=\"a\">: failover domain \"webs\" is not defined; did you mean \"web\"?\n" +
			"cluster.conf:12: <service name=\"a\">: recovery \"reboot\" is not valid; use \"restart\", \"relocate\" or \"disable\"\n" +
			"cluster.conf:12: <service name=\"a\">: max_restarts -1 is out of range; use a number from 0 to 1000000\n" +
			"cluster.conf:13: <service name=\"a\">: unknown attribute \"recovry\"; did you mean \"recovery\"?\n" +
			"cluster.conf:13: <service name=\"a\">: service name \"a\" is used twice (also line 12); give each service a unique name\n" +
			"cluster.conf:14: <service>: name is missing; add name=\"web\""},
	{"service depend", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm>
    <service name="a" depend="b"/>
    <service name="b" depend="service:b"/>
    <service name="c" depend="service:z"/>
  </rm>
</cluster>`,
		"cluster.conf:7: <service name=\"a\">: depend \"b\" is not of the form service:NAME; write depend=\"service:NAME\"\n" +
			"cluster.conf:8: <service name=\"b\">: service depends on itself; remove depend\n" +
			"cluster.conf:9: <service name=\"c\">: depend names service \"z\", which is not defined; name an existing <service>"},
	{"dependency modes and circles", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm>
    <service name="a" depend="service:b" depend_mode="soft"/>
    <service name="b" depend="service:c"/>
    <service name="c" depend="service:a" depend_mode="hard"/>
    <service name="d" depend_mode="firm"/>
    <service name="e" depend="service:a" depend_mode="soft"/>
  </rm>
</cluster>`,
		"cluster.conf:7: <service name=\"a\">: services depend on each other in a circle: a -> b -> c -> a; remove depend from one of them; none of them could ever start\n" +
			"cluster.conf:10: <service name=\"d\">: depend_mode \"firm\" is not valid; use \"hard\" (stopped when the dependency stops; the default) or \"soft\" (only started after it)\n" +
			"cluster.conf:10: <service name=\"d\">: depend_mode is given without depend; add depend=\"service:NAME\" or remove depend_mode"},
	{"status_poll_interval too short", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm status_poll_interval="0.1"/>
</cluster>`,
		"cluster.conf:6: <rm>: status_poll_interval 0.1s is shorter than 0.5s; every check runs each resource's status action; set it to at least 0.5 seconds (default 10)"},
	{"status_poll_interval too long", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm status_poll_interval="10000"/>
</cluster>`,
		"cluster.conf:6: <rm>: status_poll_interval 10000s is longer than 3600s (the value is in seconds); set it to at most 3600 seconds (default 10)"},
	{"status_poll_interval with a unit", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm status_poll_interval="10s"/>
</cluster>`,
		"cluster.conf:6: <rm>: status_poll_interval=\"10s\" is not a number of seconds; write a decimal number of seconds, e.g. status_poll_interval=\"10\""},
	{"status_poll_interval zero", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm status_poll_interval="0"/>
</cluster>`,
		"cluster.conf:6: <rm>: status_poll_interval must be greater than 0; set a positive number of seconds, e.g. status_poll_interval=\"10\""},
	{"status_poll_interval decimal", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm status_poll_interval="2.5"/>
</cluster>`,
		""},
	{"per-resource actions", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm>
    <service name="s">
      <script name="x" file="/etc/init.d/x" __stop_timeout="60">
        <action name="status" interval="30s" timeout="10"/>
        <action name="monitor" depth="20" interval="10m"/>
        <action name="status" depth="20" interval="0"/>
        <action name="status" depth="*" timeout="15"/>
        <action name="start" timeout="2m"/>
        <action name="stop" timeout="90"/>
        <action name="meta-data" timeout="5"/>
      </script>
    </service>
  </rm>
</cluster>`,
		"cluster.conf:8: <script name=\"x\">: the stop timeout is given twice: __stop_timeout and <action name=\"stop\" timeout> (line 14); keep one of them\n" +
			"cluster.conf:11: <action name=\"status\">: <action> status at depth 20 is given twice (also line 10); keep one of them"},
	{"bad actions", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm>
    <service name="s">
      <script name="x" file="/etc/init.d/x" __status_timeout="10">
        <action name="stauts" interval="30"/>
        <action name="status" interval="0.1" timeout="5"/>
        <action name="status" depth="5" interval="1w"/>
        <action name="start" interval="30" timeout="0"/>
        <action interval="30"/>
        <action name="stop" depth="10" timeout="2x" bogus="1"/>
        <action name="status" depth="10" timeout="48h"/>
      </script>
    </service>
  </rm>
</cluster>`,
		"cluster.conf:9: <action name=\"stauts\">: unknown action name \"stauts\"; did you mean \"start\"?\n" +
			"cluster.conf:10: <action name=\"status\">: interval 0.1s is shorter than 0.5s; use at least 0.5 seconds, or interval=\"0\" to turn this check off\n" +
			"cluster.conf:11: <action name=\"status\">: depth=\"5\" is not a check level; use 0, 10, 20 or \"*\" (every depth)\n" +
			"cluster.conf:11: <action name=\"status\">: interval=\"1w\" is not a time; write seconds (\"30\") or a number with s, m or h (\"5m\")\n" +
			"cluster.conf:12: <action name=\"start\">: interval is only meaningful for status, not start; remove interval; start and stop run when the service starts and stops\n" +
			"cluster.conf:12: <action name=\"start\">: timeout must be greater than 0; set a positive time, e.g. timeout=\"30\"\n" +
			"cluster.conf:13: <action>: name is missing; add name=\"status\"\n" +
			"cluster.conf:14: <action name=\"stop\">: unknown attribute \"bogus\"; remove it; known: \"name\", \"depth\", \"interval\", \"timeout\"\n" +
			"cluster.conf:14: <action name=\"stop\">: depth is only meaningful for status, not stop; remove depth\n" +
			"cluster.conf:14: <action name=\"stop\">: timeout=\"2x\" is not a time; write seconds (\"30\") or a number with s, m or h (\"2m\")\n" +
			"cluster.conf:15: <action name=\"status\">: timeout=\"48h\" is longer than 24 hours; use at most 24h"},
	{"resources and references", `<cluster name="c" config_version="1">
  <quorumd label="q"/>
  <clusternodes>
    <clusternode name="n1" nodeid="1"/>
  </clusternodes>
  <rm>
    <resources>
      <ip address="10.0.0.50"/>
      <ip address="10.0.0.50"/>
      <fs name="data" device="/dev/sdc1"/>
      <script ref="x"/>
      <systemd/>
    </resources>
    <service name="s">
      <ip ref="10.0.0.51"/>
      <fs ref="data" name="data2"/>
      <fs ref="data">
        <script file="/etc/init.d/x"/>
      </fs>
      <fss name="y"/>
    </service>
  </rm>
</cluster>`,
		"cluster.conf:9: <ip address=\"10.0.0.50\">: <ip> \"10.0.0.50\" is defined twice (also line 8); remove one of them\n" +
			"cluster.conf:11: <script ref=\"x\">: ref= is only allowed inside a <service>; define the resource here with name= instead\n" +
			"cluster.conf:12: <systemd>: <systemd> has no name; add name=\"...\" or unit=\"...\"\n" +
			"cluster.conf:15: <ip ref=\"10.0.0.51\">: ref \"10.0.0.51\" does not match any <ip> in <resources>; did you mean \"10.0.0.50\"?\n" +
			"cluster.conf:16: <fs name=\"data2\">: both ref and name are given; use ref= to point at a resource in <resources>, or define it here, not both\n" +
			"cluster.conf:18: <script>: <script> has no name; add name=\"...\"\n" +
			"cluster.conf:20: <fss name=\"y\">: unknown element <fss> inside <service>; did you mean <fs>?"},
}

func TestRules(t *testing.T) {
	for _, tc := range ruleCases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("cluster.conf", []byte(tc.xml))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse failed:\n%v", err)
				}
				return
			}
			if c != nil {
				t.Errorf("Parse returned a Cluster along with errors")
			}
			var list *ErrorList
			if !errors.As(err, &list) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse error %T %v is not an *ErrorList matching ErrInvalid", err, err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("errors differ\n got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
