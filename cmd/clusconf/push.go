package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/quorate/quorate/api"
)

// push validates the -f file here, then submits it to the running
// cluster through the local quorated and prints the cluster's verdict.
func (r *runner) push(fset *flag.FlagSet, args []string) error {
	if _, err := parseArgs(fset, args, 0, 0); err != nil {
		return err
	}
	file := r.opts.file
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if _, err := r.load(file); err != nil {
		fmt.Fprintf(r.stderr, "clusconf: push: %s is not valid; nothing was sent\n", file)
		return err
	}
	res, err := r.client().PushConfig(r.ctx, data)
	if err != nil {
		return fmt.Errorf("push %s: %w", file, err)
	}
	switch {
	case res.Accepted && res.Unchanged:
		fmt.Fprintf(r.stdout, "%s: the cluster already runs config_version %d\n", file, res.Current)
	case res.Accepted:
		fmt.Fprintf(r.stdout, "%s: accepted, the cluster is at config_version %d%s\n", file, res.Current, prefixed("; ", res.Message))
	default:
		fmt.Fprintf(r.stderr, "clusconf: push: %s refused by the cluster (%s, cluster at config_version %d): %s\n",
			file, res.Reason, res.Current, res.Message)
		for _, e := range res.Errors {
			fmt.Fprintln(r.stderr, e)
		}
		return errReported
	}
	return nil
}

func (r *runner) client() *api.Client { return api.NewClient(api.SocketPath(r.opts.socket)) }

// sync --status prints which node runs which config_version.
func (r *runner) sync(fset *flag.FlagSet, args []string) error {
	status := fset.Bool("status", false, "show each node's config_version")
	if _, err := parseArgs(fset, args, 0, 0); err != nil {
		return err
	}
	if !*status {
		return usageErrorf("sync needs --status (nodes adopt a pushed configuration by themselves)")
	}
	s, err := r.client().ConfigStatus(r.ctx)
	if err != nil {
		return err
	}
	writeSync(r.stdout, s)
	return nil
}

func writeSync(w io.Writer, s api.ConfigSync) {
	if s.Version == 0 {
		fmt.Fprintln(w, "the cluster has no accepted configuration yet")
	} else {
		sum := s.Checksum
		if len(sum) > 12 {
			sum = sum[:12]
		}
		fmt.Fprintf(w, "accepted config_version %d (sha256 %s), stored by %s at %s\n",
			s.Version, sum, dash(s.Writer), s.Stored.Local().Format(time.RFC3339))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\tNODE\tVERSION\tSTATE\n")
	behind := 0
	for _, n := range s.Nodes {
		v := "-"
		if n.Version > 0 {
			v = fmt.Sprint(n.Version)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", n.ID, n.Name, v, n.State)
		if n.State != api.ConfigCurrent {
			behind++
		}
	}
	tw.Flush()
	if behind == 0 && len(s.Nodes) > 0 {
		fmt.Fprintln(w, "all nodes run the accepted version")
	} else if behind > 0 {
		fmt.Fprintf(w, "%d of %d nodes do not run the accepted version\n", behind, len(s.Nodes))
	}
}
