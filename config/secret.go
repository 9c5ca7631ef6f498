package config

// Secret holds a credential. Unlike prometheus/common/config.Secret it also
// hides itself from fmt (%v, %s, %q, %#v), so a stray log line or error
// built from a config struct cannot leak it.
type Secret string

const redacted = "<secret>"

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return redacted }

// MarshalYAML hides the value when a config is written out.
func (s Secret) MarshalYAML() (any, error) {
	if s == "" {
		return nil, nil
	}
	return redacted, nil
}

// MarshalJSON hides the value when a config is written out.
func (s Secret) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte(`""`), nil
	}
	return []byte(`"` + redacted + `"`), nil
}

// Value returns the secret itself, for the one place that signs requests.
func (s Secret) Value() string { return string(s) }
