package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EnvBrokers is the environment variable that overrides kafka.brokers with a
// comma-separated list of host:port addresses.
const EnvBrokers = "RNNCAST_BROKERS"

// Load reads the YAML file at path, applies the environment overrides and
// validates the result.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: cannot read %s: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	if err := c.ApplyEnv(os.LookupEnv); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Parse decodes one YAML document over the defaults. Unknown keys, values of
// the wrong type (a duration needs a unit: "5s", not 5) and a second document
// are errors; the message names the key and line. An empty document yields
// the defaults. Parse does not validate.
func Parse(data []byte) (*Config, error) {
	c := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: cannot decode: %w", nameKeys(data, err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: cannot decode: want one YAML document, found more")
	}
	if len(c.Kafka.Brokers) == 0 {
		c.Kafka.Brokers = nil // "brokers: []" and "brokers: null" mean the same.
	}
	return c, nil
}

// ApplyEnv applies the environment overrides that lookup (os.LookupEnv in
// production) reports: RNNCAST_BROKERS replaces kafka.brokers.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	v, ok := lookup(EnvBrokers)
	if !ok {
		return nil
	}
	var brokers []string
	for _, b := range strings.Split(v, ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	if len(brokers) == 0 {
		return fmt.Errorf("config: cannot use %s=%q: no broker address", EnvBrokers, v)
	}
	c.Kafka.Brokers = brokers
	return nil
}
