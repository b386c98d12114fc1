package main

// rgmanager's numeric service states (resgroup.h) and flags, used by the
// XML output and by the exit code of -s.
var stateCodes = map[string]int{
	"stopped":       110,
	"starting":      111,
	"started":       112,
	"stopping":      113,
	"failed":        114,
	"uninitialized": 115,
	"checking":      116,
	"recoverable":   117,
	"recovering":    118,
	"disabled":      119,
	"migrating":     120,
}

// stateUninitialized is reported for a state rgmanager had no name for.
const stateUninitialized = 115

// flagFrozen is rgmanager's RG_FLAG_FROZEN.
const flagFrozen = 1

func stateCode(state string) int {
	if c, ok := stateCodes[state]; ok {
		return c
	}
	return stateUninitialized
}

// serviceExit is clustat -s's exit code: 0 while the service is starting,
// started or stopping, else its numeric state.
func serviceExit(state string) int {
	switch state {
	case "starting", "started", "stopping":
		return 0
	}
	return stateCode(state)
}

// flags returns rgmanager's flags value and its long and short strings.
func flags(frozen bool) (val int, long, short string) {
	if frozen {
		return flagFrozen, "frozen", "Z"
	}
	return 0, "", ""
}
