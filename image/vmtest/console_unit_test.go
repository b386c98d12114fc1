//go:build vmtest

package vmtest

import (
	"encoding/json"
	"strings"
	"testing"
)

// The console carries the shell's output and the appliance's log lines
// at once; these are the interleavings seen in the console logs.
func TestJSONBlockSkipsInterleavedLogLines(t *testing.T) {
	for name, out := range map[string]string{
		"clean":           "\n{\n  \"local\": \"node1\"\n}\n",
		"log inside":      "\n{\ntime=2026-11-25T19:38:13.956Z level=WARN msg=\"node 2 is fenced\"\n  \"local\": \"node1\"\n}\n",
		"log before":      "time=2026-11-25T19:38:14.690Z level=WARN msg=x\n{\n  \"local\": \"node1\"\n}\n",
		"prompt and log":  "\n{\n$ time=2026-11-25T19:38:23.928Z level=INFO msg=x\n  \"local\": \"node1\"\n}\n",
		"uinit log after": "\n{\n  \"local\": \"node1\"\n}\nup=5.3s level=INFO msg=y\n",
	} {
		block, ok := jsonBlock(out)
		var st struct {
			Local string `json:"local"`
		}
		if !ok || json.Unmarshal([]byte(block), &st) != nil || st.Local != "node1" {
			t.Errorf("%s: jsonBlock(%q) = %q, %v", name, out, block, ok)
		}
	}
	if _, ok := jsonBlock("time=x level=INFO msg=\"{\"\n"); ok {
		t.Error("a log line alone was taken for JSON")
	}
}

// Lines from a run in which the master adopted the fenced node's stale slot.
func TestAdoptedAfterFence(t *testing.T) {
	before := `time=2026-11-25T19:53:42.030Z level=WARN msg="service app: node 2 reports it running; taking that as its owner" node=node1 peer=2` + "\n"
	fence := `time=2026-11-25T19:53:46.199Z level=WARN msg="node 2 is fenced: fenced by ipmi" node=node1 peer=2 reason="fenced by ipmi"` + "\n"
	after := `time=2026-11-25T19:53:46.210Z level=WARN msg="service appp: node 2 reports it running; taking that as its owner" node=node1 peer=2 reason=adopt` + "\n"
	if got := adoptedAfterFence(before+fence+after, 2); !strings.Contains(got, "taking that as its owner") || strings.Contains(got, "\n") {
		t.Errorf("adoption after the fence not found: %q", got)
	}
	for name, text := range map[string]string{"before the fence only": before + fence, "no fence": before, "other node": fence + after} {
		id := 2
		if name == "other node" {
			id = 3
		}
		if got := adoptedAfterFence(text, id); got != "" {
			t.Errorf("%s: got %q", name, got)
		}
	}
}
