package config

import (
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzParse feeds arbitrary bytes to the strict decoder: it must never panic,
// and a Config it accepts must survive an encode/decode round trip unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("kafka:\n  brokers: [a:1, b:2]\n  group: g\n"))
	f.Add([]byte("batch:\n  max_delay: 5ms\n  max_records: 7\nshutdown_timeout: 1m\n"))
	f.Add([]byte("window: {interval: 1h, fill: linear, max_gap: 2}\n"))
	f.Add([]byte("unknown: 1\n"))
	f.Add([]byte("log: &a {level: info}\nhttp: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		_ = c.Validate()
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("cannot re-encode accepted config: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("cannot decode re-encoded config %q: %v", out, err)
		}
		if !reflect.DeepEqual(c, again) {
			t.Fatalf("round trip changed the config:\n got %+v\nwant %+v", again, c)
		}
	})
}
