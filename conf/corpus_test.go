package conf

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func corpus(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in testdata/%s: %v", dir, err)
	}
	return files
}

// TestValidCorpus parses each example, compares the result (as JSON) and
// its canonical form with golden files, and checks the round trip.
func TestValidCorpus(t *testing.T) {
	for _, path := range corpus(t, "valid") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			c, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(path)
			if !bytes.Equal(c.Raw, raw) {
				t.Error("Raw is not the file's bytes")
			}
			view := *c
			view.Raw = nil
			js, err := json.MarshalIndent(view, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			base := strings.TrimSuffix(path, ".conf")
			golden(t, base+".json", append(js, '\n'))
			out, err := c.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, base+".marshal", out)
			checkRoundTrip(t, c)
		})
	}
}

// TestInvalidCorpus checks the full error report for each broken file.
func TestInvalidCorpus(t *testing.T) {
	for _, path := range corpus(t, "invalid") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(filepath.Base(path), data)
			if c != nil || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse = %v, %v; want nil and an *ErrorList", c, err)
			}
			golden(t, strings.TrimSuffix(path, ".conf")+".err", []byte(err.Error()+"\n"))
		})
	}
}

// checkRoundTrip asserts Parse(Marshal(c)) == c apart from lines and Raw,
// and that Marshal is a fixed point.
func checkRoundTrip(t *testing.T, c *Cluster) {
	t.Helper()
	out, err := c.Marshal()
	if err != nil {
		t.Fatalf("Marshal of an accepted config failed: %v", err)
	}
	c2, err := Parse("marshalled", out)
	if err != nil {
		t.Fatalf("Parse(Marshal(c)) failed: %v\n%s", err, out)
	}
	a, b := withoutLines(c), withoutLines(c2)
	if !reflect.DeepEqual(a, b) {
		ja, _ := json.MarshalIndent(a, "", " ")
		jb, _ := json.MarshalIndent(b, "", " ")
		t.Fatalf("round trip changed the config\nbefore: %s\nafter:  %s\nXML:\n%s", ja, jb, out)
	}
	out2, err := c2.Marshal()
	if err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("Marshal is not canonical (err %v):\n%s\nthen:\n%s", err, out, out2)
	}
}

// withoutLines returns a deep copy of c with Raw and every Line field
// zeroed, so configs parsed from different text can be compared.
func withoutLines(c *Cluster) *Cluster {
	cp := reflect.New(reflect.TypeOf(*c)).Elem()
	cp.Set(deepCopy(reflect.ValueOf(*c)))
	out := cp.Addr().Interface().(*Cluster)
	out.Raw = nil
	return out
}

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if v.Type().Field(i).Name == "Line" {
				continue
			}
			out.Field(i).Set(deepCopy(v.Field(i)))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(deepCopy(v.Index(i)))
		}
		return out
	}
	return v // maps of strings and scalars are not modified, sharing is fine
}
