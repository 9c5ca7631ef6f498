package config

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// Duration is a YAML duration such as "30s" or "1m". Its parse errors name
// the line, which model.Duration's do not.
type Duration time.Duration

// UnmarshalYAML parses Prometheus duration syntax.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return fmt.Errorf("line %d: want a duration such as 30s", n.Line)
	}
	v, err := model.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: invalid duration %q, want e.g. 30s or 1m", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration the way it is read.
func (d Duration) MarshalYAML() (any, error) { return model.Duration(d).String(), nil }

func (d Duration) String() string { return model.Duration(d).String() }
