package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/quorate/quorate/api"
	"github.com/quorate/quorate/cluster"
	"github.com/quorate/quorate/conf"
	"github.com/quorate/quorate/quorumdisk"
)

// One configuration everywhere (the CCS): the master keeps the accepted
// cluster.conf in the quorum disk's config area and announces its version
// in every heartbeat; a node that sees a newer version reads it from the
// disk, checks it, writes it to its local file (keeping .bak) and applies
// it without a restart. A push on any node is validated there, staged in
// that node's own area of the quorum disk and handed to the master, which
// validates it again, stores it and applies it. Versions never go
// backwards; two different files with the same version: the first stored
// wins.

// cfgState is the loop's view of the distribution.
type cfgState struct {
	diskVersion uint64 // version in the config area (0: none)
	diskSum     [32]byte
	writer      cluster.NodeID
	stored      time.Time
	busy        bool // a store or fetch runs in the background
}

// startupConfig reconciles the local file with the quorum disk's copy:
// the higher accepted version wins; a local file newer than the cluster's
// was never accepted and is reported, not obeyed.
func (d *daemon) startupConfig(local *conf.Cluster) *conf.Cluster {
	rec, err := d.bulk.ReadConfig()
	switch {
	case errors.Is(err, quorumdisk.ErrNoConfig):
		return local
	case err != nil:
		d.log.Warn("cannot read the configuration stored on the quorum disk; using the local file", "err", err)
		return local
	}
	dc, err := conf.Parse(d.opts.config+" (stored on the quorum disk)", rec.Data)
	if err != nil {
		d.log.Error("the configuration stored on the quorum disk does not validate; using the local file", "err", err)
		return local
	}
	d.cfg.diskVersion, d.cfg.diskSum, d.cfg.writer, d.cfg.stored = rec.Version, sha256.Sum256(rec.Data), rec.Writer, rec.Written
	switch {
	case dc.ConfigVersion > local.ConfigVersion:
		d.log.Info("adopting the cluster's configuration from the quorum disk", "version", dc.ConfigVersion, "local_version", local.ConfigVersion)
		d.writeLocal(dc.Raw)
		return dc
	case dc.ConfigVersion < local.ConfigVersion:
		d.log.Error(fmt.Sprintf("local %s has config_version %d, which the cluster never accepted (it runs %d); running %d — submit the local file with 'clusconf -f %s push'",
			d.opts.config, local.ConfigVersion, dc.ConfigVersion, dc.ConfigVersion, d.opts.config))
		return dc
	case !bytes.Equal(dc.Raw, local.Raw):
		d.log.Warn("local cluster.conf differs from the cluster's at the same version; running the cluster's", "version", dc.ConfigVersion)
		d.writeLocal(dc.Raw)
		return dc
	}
	return local
}

// writeLocal replaces the local cluster.conf atomically, keeping the
// previous one as .bak.
func (d *daemon) writeLocal(data []byte) {
	path := d.opts.config
	if old, err := os.ReadFile(path); err == nil {
		if bytes.Equal(old, data) {
			return
		}
		os.WriteFile(path+".bak", old, 0o644)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cluster.conf.")
	if err == nil {
		_, err = tmp.Write(data)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			os.Chmod(tmp.Name(), 0o644)
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		d.log.Error("cannot update the local cluster.conf", "path", path, "err", err)
	}
}

// configCycle runs on the loop: the master stores its configuration when
// the disk holds an older one; a member fetches a newer one the master
// announces.
func (d *daemon) configCycle() {
	if d.cfg.busy {
		return
	}
	switch {
	case d.node.IsMaster() && d.cfg.diskVersion < d.conf.ConfigVersion:
		d.store(d.conf.Raw, d.conf.ConfigVersion, nil)
	case !d.node.IsMaster() && d.node.MasterConfigVersion() > d.conf.ConfigVersion:
		d.cfg.busy = true
		go func() {
			rec, err := d.bulk.ReadConfig()
			d.inLoop(func() {
				d.cfg.busy = false
				if err != nil {
					d.log.Warn("cannot read the announced configuration", "err", err)
					return
				}
				d.noteStored(rec)
				if c, err := conf.Parse(d.opts.config+" (stored on the quorum disk)", rec.Data); err != nil {
					d.log.Error("the announced configuration does not validate; keeping the running one", "err", err)
				} else {
					d.apply(c)
				}
			})
		}()
	}
}

func (d *daemon) noteStored(rec quorumdisk.ConfigRecord) {
	d.cfg.diskVersion, d.cfg.diskSum, d.cfg.writer, d.cfg.stored = rec.Version, sha256.Sum256(rec.Data), rec.Writer, rec.Written
}

// store writes data as version into the config area (master only), then
// applies it and calls done (on the loop).
func (d *daemon) store(data []byte, version uint64, done func(error)) {
	d.cfg.busy = true
	rec := quorumdisk.ConfigRecord{Version: version, Data: data, Writer: cluster.NodeID(d.self.ID), Written: time.Now()}
	go func() {
		err := d.bulk.WriteConfig(rec)
		d.inLoop(func() {
			d.cfg.busy = false
			if err == nil {
				d.noteStored(rec)
				d.log.Info("configuration stored on the quorum disk", "version", version)
				if c, perr := conf.Parse(d.opts.config, data); perr == nil {
					d.apply(c)
				}
			} else {
				d.log.Error("storing the configuration on the quorum disk failed", "version", version, "err", err)
			}
			if done != nil {
				done(err)
			}
		})
	}()
}

// apply runs a newer accepted configuration without a restart.
func (d *daemon) apply(c *conf.Cluster) {
	if c.ConfigVersion <= d.conf.ConfigVersion {
		return
	}
	if err := d.compatible(c); err != nil {
		d.log.Error("cannot apply configuration version without a restart", "version", c.ConfigVersion, "err", err)
		return
	}
	self := c.NodeByName(d.self.Name)
	if err := d.node.Reconfigure(brainConfig(c, self)); err != nil {
		d.log.Error("configuration refused by the cluster state machine", "version", c.ConfigVersion, "err", err)
		return
	}
	for link := 0; link < 2; link++ {
		peers := map[cluster.NodeID]string{}
		for _, n := range c.Nodes {
			addr := n.Addr
			if link == 1 {
				addr = n.Addr2
			}
			if n.ID != self.ID && addr != "" {
				peers[cluster.NodeID(n.ID)] = addr
			}
		}
		if link == 0 || self.Addr2 != "" {
			if err := d.net.SetPeers(link, peers); err != nil {
				d.log.Warn("updating heartbeat peers", "link", link, "err", err)
			}
		}
	}
	d.writeLocal(c.Raw)
	old := d.conf
	d.conf, d.self = c, self
	d.refreshServices(old, c)
	d.log.Info("configuration applied", "version", c.ConfigVersion)
}

// compatible refuses changes that need a restart of the daemon.
func (d *daemon) compatible(c *conf.Cluster) error {
	self := c.NodeByName(d.self.Name)
	switch {
	case c.Name != d.conf.Name:
		return fmt.Errorf("cluster name changes from %q to %q", d.conf.Name, c.Name)
	case self == nil:
		return fmt.Errorf("this node (%s) is no longer in it", d.self.Name)
	case self.ID != d.self.ID || self.Addr != d.self.Addr || self.Addr2 != d.self.Addr2:
		return fmt.Errorf("this node's id or addresses change")
	case c.Quorumd.Label != d.conf.Quorumd.Label || c.Quorumd.Device != d.conf.Quorumd.Device:
		return fmt.Errorf("the quorum disk changes")
	case c.Totem.Keyfile != d.conf.Totem.Keyfile || c.Totem.SecAuth != d.conf.Totem.SecAuth:
		return fmt.Errorf("the heartbeat key or authentication changes")
	}
	return nil
}

// inLoop runs f on the loop goroutine.
func (d *daemon) inLoop(f func()) { d.loopFns <- f }

// PushConfig serves clusconf push.
func (d *daemon) PushConfig(ctx context.Context, data []byte) (api.PushResult, error) {
	c, err := conf.Parse("pushed cluster.conf", data)
	if err != nil {
		res := api.PushResult{Reason: api.PushInvalid, Message: "the pushed cluster.conf does not validate; nothing was changed"}
		var el conf.ErrorList
		if errors.As(err, &el) {
			for _, e := range el {
				res.Errors = append(res.Errors, e.Error())
			}
		} else {
			res.Errors = []string{err.Error()}
		}
		return res, nil
	}
	reply := make(chan api.PushResult, 1)
	select {
	case d.loopFns <- func() { d.push(c, reply) }:
	case <-ctx.Done():
		return api.PushResult{}, ctx.Err()
	}
	select {
	case r := <-reply:
		return r, nil
	case <-ctx.Done():
		return api.PushResult{}, api.Errorf(api.CodeUnavailable, "push of version %d: no answer from the master yet (%v); check with 'clusconf sync --status'", c.ConfigVersion, ctx.Err())
	}
}

// push runs on the loop: refuse stale or conflicting versions, then store
// (master) or stage and forward (any other node).
func (d *daemon) push(c *conf.Cluster, reply chan api.PushResult) {
	cur := max(d.conf.ConfigVersion, d.cfg.diskVersion)
	res := api.PushResult{Version: c.ConfigVersion, Current: cur}
	switch {
	case c.Name != d.conf.Name:
		res.Reason, res.Message = api.PushInvalid, fmt.Sprintf("the file is for cluster %q, this is %q", c.Name, d.conf.Name)
	case c.ConfigVersion == cur && sha256.Sum256(c.Raw) == d.cfg.diskSum:
		res.Accepted, res.Unchanged, res.Message = true, true, fmt.Sprintf("version %d is already the cluster's", cur)
	case c.ConfigVersion == cur:
		res.Reason, res.Message = api.PushConflict, fmt.Sprintf("version %d was already accepted with other contents (the first accepted wins); raise config_version to %d", cur, cur+1)
	case c.ConfigVersion < cur:
		res.Reason, res.Message = api.PushStale, fmt.Sprintf("config_version %d is below the cluster's %d; raise it to %d", c.ConfigVersion, cur, cur+1)
	case d.compatible(c) != nil:
		res.Reason, res.Message = api.PushInvalid, "cannot be applied without restarting every node: "+d.compatible(c).Error()
	}
	if res.Reason != "" || res.Unchanged {
		reply <- res
		return
	}
	if d.node.IsMaster() {
		d.store(c.Raw, c.ConfigVersion, func(err error) {
			if err != nil {
				res.Message = "storing it on the quorum disk failed: " + err.Error()
			} else {
				res.Accepted, res.Current, res.Message = true, c.ConfigVersion, fmt.Sprintf("version %d accepted; every member adopts it within a second", c.ConfigVersion)
			}
			reply <- res
		})
		return
	}
	if d.node.Generation() == 0 {
		res.Message = "no master to accept it (is the cluster quorate?); nothing was changed"
		reply <- res
		return
	}
	go func() {
		err := d.bulk.WriteNodeArea(cluster.NodeID(d.self.ID), c.Raw)
		d.inLoop(func() {
			if err != nil {
				res.Message = "staging it on the quorum disk failed: " + err.Error()
				reply <- res
				return
			}
			results := make(chan requestResult, 1)
			d.submit(pendingRequest{kind: "config", version: c.ConfigVersion, reply: results})
			go func() {
				r := <-results
				res.Accepted, res.Message = r.OK, r.Msg
				if r.OK {
					res.Current = c.ConfigVersion
				}
				reply <- res
			}()
		})
	}()
}

// takeStagedConfig is the master's side of a push made on node origin.
func (d *daemon) takeStagedConfig(j *masterJob, version uint64) {
	go func() {
		data, err := d.bulk.ReadNodeArea(j.origin)
		d.inLoop(func() {
			var c *conf.Cluster
			if err == nil {
				c, err = conf.Parse("pushed cluster.conf", data)
			}
			switch {
			case err != nil:
				j.finish(false, "the master could not read the staged file: "+err.Error())
			case c.ConfigVersion != version:
				j.finish(false, fmt.Sprintf("the staged file has version %d, not %d; push again", c.ConfigVersion, version))
			case c.ConfigVersion <= max(d.conf.ConfigVersion, d.cfg.diskVersion):
				j.finish(false, fmt.Sprintf("version %d is not above the cluster's %d", c.ConfigVersion, max(d.conf.ConfigVersion, d.cfg.diskVersion)))
			case d.cfg.busy:
				j.finish(false, "another configuration change is being stored; push again")
			default:
				d.store(c.Raw, c.ConfigVersion, func(err error) {
					if err != nil {
						j.finish(false, "storing it failed: "+err.Error())
					} else {
						j.finish(true, fmt.Sprintf("version %d accepted; every member adopts it within a second", c.ConfigVersion))
					}
					d.updateExtension()
				})
				return
			}
			d.updateExtension()
		})
	}()
}

// ConfigStatus serves clusconf sync --status.
func (d *daemon) ConfigStatus(ctx context.Context) (api.ConfigSync, error) {
	reply := make(chan api.ConfigSync, 1)
	select {
	case d.loopFns <- func() { reply <- d.configSync() }:
	case <-ctx.Done():
		return api.ConfigSync{}, ctx.Err()
	}
	select {
	case s := <-reply:
		return s, nil
	case <-ctx.Done():
		return api.ConfigSync{}, ctx.Err()
	}
}

func (d *daemon) configSync() api.ConfigSync {
	s := api.ConfigSync{Version: d.cfg.diskVersion, Stored: d.cfg.stored}
	if s.Version > 0 {
		s.Checksum = hex.EncodeToString(d.cfg.diskSum[:])
	}
	if n := d.conf.NodeByID(int(d.cfg.writer)); n != nil {
		s.Writer = n.Name
	}
	st := d.node.Status()
	for _, p := range st.Peers {
		nc := api.NodeConfig{ID: int(p.ID), Version: p.ConfigVersion, State: api.ConfigUnknown}
		if n := d.conf.NodeByID(int(p.ID)); n != nil {
			nc.Name = n.Name
		}
		switch {
		case p.ConfigVersion == 0 || (!p.Heard && p.ID != st.Self):
		case p.ConfigVersion == s.Version:
			nc.State = api.ConfigCurrent
		case p.ConfigVersion < s.Version:
			nc.State = api.ConfigBehind
		default:
			nc.State = api.ConfigAhead
		}
		s.Nodes = append(s.Nodes, nc)
	}
	return s
}
