package api

import (
	"errors"
	"flag"
)

// SocketFlag defines the --socket flag every command-line tool shares and
// returns its value, which SocketPath turns into the path to dial.
func SocketFlag(fs *flag.FlagSet) *string {
	return fs.String("socket", "", "quorated's control socket `PATH` (default $"+SocketEnv+" or "+DefaultSocket+")")
}

// ParseFlags parses args the way the tools do: it returns -1 when parsing
// succeeded, otherwise the exit code to leave with (0 after -h, 2 on a
// usage error, which fs has already reported).
func ParseFlags(fs *flag.FlagSet, args []string) int {
	switch err := fs.Parse(args); {
	case err == nil:
		return -1
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		return 2
	}
}
