package api

import (
	"flag"
	"io"
	"testing"
)

func TestParseFlagsExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
		sock string
	}{
		{[]string{"--socket", "/run/x.sock", "node1"}, -1, "/run/x.sock"},
		{[]string{"node1"}, -1, ""},
		{[]string{"-h"}, 0, ""},
		{[]string{"--no-such-flag"}, 2, ""},
	} {
		fs := flag.NewFlagSet("tool", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		sock := SocketFlag(fs)
		if got := ParseFlags(fs, tc.args); got != tc.want || *sock != tc.sock {
			t.Errorf("ParseFlags(%q) = %d, socket %q; want %d, %q", tc.args, got, *sock, tc.want, tc.sock)
		}
	}
}
