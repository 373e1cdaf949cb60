package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// KeyError is one problem of a decoded document, at a line, with the dotted
// path of the key whose value it is when that is known.
type KeyError struct {
	Line int
	Key  string // "batch.max_delay"; "" when the line holds no key
	Msg  string // the decoder's message without its "line N: " prefix
}

// Error returns "line N: key K: message", or "line N: message".
func (e *KeyError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d: key %s: %s", e.Line, e.Key, e.Msg)
}

var linePrefix = regexp.MustCompile(`^line (\d+): (.*)$`)

// nameKeys rewrites the per-line messages of a *yaml.TypeError (wrong types,
// unknown fields) as KeyErrors that name the key on each line; other errors
// pass through unchanged.
func nameKeys(data []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return err
	}
	keys := map[int]string{}
	collectKeys(&root, "", keys)
	errs := make([]error, 0, len(te.Errors))
	for _, msg := range te.Errors {
		m := linePrefix.FindStringSubmatch(msg)
		if m == nil {
			errs = append(errs, errors.New(msg))
			continue
		}
		line, _ := strconv.Atoi(m[1])
		errs = append(errs, &KeyError{Line: line, Key: keys[line], Msg: m[2]})
	}
	return errors.Join(errs...)
}

// collectKeys maps each line holding a mapping key to the key's dotted path.
func collectKeys(n *yaml.Node, prefix string, keys map[int]string) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			collectKeys(c, prefix, keys)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := prefix + k.Value
			if _, taken := keys[k.Line]; !taken {
				keys[k.Line] = path
			}
			collectKeys(v, path+".", keys)
		}
	}
}
