package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LoadFile reads and validates a config file against schema.
func LoadFile(path string, schema Schema) (*Config, error) {
	data, err := readFile(path, maxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	cfg, err := Parse(data, schema)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes and validates a config; unknown keys are errors, and so is
// a second YAML document. Errors name the key and its line.
func Parse(data []byte, schema Schema) (*Config, error) {
	l, err := newLayout(schema)
	if err != nil {
		return nil, err
	}
	cfg, err := l.decode(data)
	if err != nil {
		return nil, err
	}
	lines, err := keyLines(data, l.wholeNumbers())
	if err != nil {
		return nil, err
	}
	if err := cfg.settle(lines); err != nil {
		return nil, err
	}
	if err := cfg.Validate(schema); err != nil {
		return nil, withLine(err, lines)
	}
	return cfg, nil
}

// withLine says on which line the key an error names ("key: …" or
// "key.sub: …") is; for an account, its own key, else the inherited
// top-level one, else the account's entry.
func withLine(err error, lines map[string]int) error {
	var ae *accountError
	inner, prefix := err, ""
	if errors.As(err, &ae) {
		inner, prefix = ae.err, fmt.Sprintf("accounts.%d.", ae.index)
	}
	key, _, _ := strings.Cut(inner.Error(), ":")
	var keys []string // key, then its parents: "a.b", "a"
	for k := key; k != ""; k = k[:max(strings.LastIndex(k, "."), 0)] {
		keys = append(keys, k)
	}
	var candidates []string
	for _, k := range keys {
		candidates = append(candidates, prefix+k)
	}
	if prefix != "" {
		candidates = append(append(candidates, keys...), strings.TrimSuffix(prefix, "."))
	}
	for _, k := range candidates {
		if l, ok := lines[k]; ok {
			return fmt.Errorf("line %d: %w", l, err)
		}
	}
	return err
}

// keyLines maps each key of the config (dotted below the top level) to its
// line, and checks that the wholeNumbers keys hold whole numbers.
func keyLines(data []byte, wholeNumbers []string) (map[string]int, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return map[string]int{}, nil
	}
	lines := map[string]int{}
	var wrong error
	var walk func(prefix string, n *yaml.Node)
	walk = func(prefix string, n *yaml.Node) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				lines[prefix+k.Value] = k.Line
				// Whole-number keys, at the top or in an account.
				if (prefix == "" || strings.Count(prefix, ".") == 2 && strings.HasPrefix(prefix, "accounts.")) &&
					slices.Contains(wholeNumbers, k.Value) && v.Tag != "!!int" && wrong == nil {
					wrong = fmt.Errorf("line %d: %s: want a whole number, got %q", v.Line, k.Value, v.Value)
				}
				walk(prefix+k.Value+".", v)
			}
		case yaml.SequenceNode:
			if prefix == "accounts." {
				for i, item := range n.Content {
					lines[fmt.Sprintf("accounts.%d", i)] = item.Line
					walk(fmt.Sprintf("accounts.%d.", i), item)
				}
			}
		}
	}
	walk("", root.Content[0])
	if wrong != nil {
		return nil, wrong
	}
	return lines, nil
}
