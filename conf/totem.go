package conf

import (
	"fmt"
	"path"
	"time"
)

func (d *decoder) totem(e *elem) Totem {
	t := Totem{Token: DefaultToken, Heartbeat: DefaultToken / 4, Keyfile: DefaultKeyfile, SecAuth: true, Port: DefaultPort}
	if e == nil {
		return t
	}
	d.checkAttrs(e, attrSpec{known: totemAttrs})
	d.kids(e)
	t.Token, _ = d.duration(e, "token", time.Millisecond, DefaultToken, false)
	if t.Token < time.Millisecond {
		d.add(e, fmt.Sprintf("token %s is shorter than 1ms", msecs(t.Token)), `set token in milliseconds, e.g. token="400"`)
		t.Token = DefaultToken
	}
	hb, hbGiven := d.duration(e, "hb_interval", time.Millisecond, t.Token/4, false)
	t.Heartbeat = hb
	if hbGiven && 2*hb > t.Token {
		d.add(e, fmt.Sprintf("hb_interval %s is more than half of token %s, so one lost heartbeat could expire the token", msecs(hb), msecs(t.Token)),
			fmt.Sprintf("set hb_interval to at most %s or token to at least %s", formatDecimal(t.Token/2, time.Millisecond), formatDecimal(2*hb, time.Millisecond)))
	}
	if v, ok := e.attr("keyfile"); ok {
		if !path.IsAbs(v) {
			d.add(e, fmt.Sprintf("keyfile %q is not an absolute path", v), `write the full path, e.g. keyfile="`+DefaultKeyfile+`"`)
		} else {
			t.Keyfile = v
		}
	}
	t.SecAuth = d.boolean(e, "secauth", true)
	t.Port, _ = d.integer(e, "port", DefaultPort, 1, 65535)
	return t
}
