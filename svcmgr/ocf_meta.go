package svcmgr

import (
	"encoding/xml"
	"fmt"
)

// ocfMeta is the part of an OCF agent's meta-data this package uses:
//
//	<resource-agent name="Dummy" version="1.0">
//	  <parameters>
//	    <parameter name="state" unique="1" required="0">
//	      <shortdesc>…</shortdesc><content type="string" default="…"/>
//	    </parameter>
//	  </parameters>
//	  <actions><action name="start" timeout="20s"/>…</actions>
//	</resource-agent>
type ocfMeta struct {
	XMLName    xml.Name    `xml:"resource-agent"`
	Name       string      `xml:"name,attr"`
	Version    string      `xml:"version,attr,omitempty"`
	Parameters []ocfParam  `xml:"parameters>parameter"`
	Actions    []ocfAction `xml:"actions>action"`
}

type ocfParam struct {
	Name      string     `xml:"name,attr"`
	Required  string     `xml:"required,attr,omitempty"`
	Unique    string     `xml:"unique,attr,omitempty"`
	ShortDesc string     `xml:"shortdesc,omitempty"`
	Content   ocfContent `xml:"content"`
}

type ocfContent struct {
	Type    string `xml:"type,attr,omitempty"`
	Default string `xml:"default,attr,omitempty"`
}

type ocfAction struct {
	Name    string `xml:"name,attr"`
	Timeout string `xml:"timeout,attr,omitempty"`
	Depth   string `xml:"depth,attr,omitempty"`
}

// parseOCFMeta decodes the output of "agent meta-data".
func parseOCFMeta(data []byte) (*ocfMeta, error) {
	var m ocfMeta
	if err := xml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("meta-data is not valid OCF XML: %w", err)
	}
	return &m, nil
}

// required returns the parameters marked required="1" without a default.
func (m *ocfMeta) required() []ocfParam {
	var out []ocfParam
	for _, p := range m.Parameters {
		if (p.Required == "1" || p.Required == "true") && p.Content.Default == "" {
			out = append(out, p)
		}
	}
	return out
}

// hasAction reports whether the agent advertises action name.
func (m *ocfMeta) hasAction(name string) bool {
	for _, a := range m.Actions {
		if a.Name == name {
			return true
		}
	}
	return false
}
