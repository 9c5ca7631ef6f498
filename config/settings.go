package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Settings are the keys one part of the exporter owns (a collector, or
// what a round shares): a pointer to a struct whose yaml-tagged fields are
// keys of an account beside the account's own. The value a Schema makes
// holds the owner's defaults; the file's keys are decoded over them, and
// an account inherits the top-level values it does not set.
type Settings interface {
	// Validate says what is wrong as "key: why".
	Validate() error
}

// layout is the shape of a config file under a schema: an account's own
// keys (Account) beside every owner's settings, as one struct type, so
// that a single YAML pass reports unknown keys, wrong types and lines.
type layout struct {
	owners  []string // sorted
	make    []func() Settings
	account reflect.Type // struct{ Account; S0 *T0; … }, all inline
	file    reflect.Type // struct{ Top account, inline; Accounts []account }
}

func newLayout(schema Schema) (*layout, error) {
	l := &layout{owners: slices.Sorted(maps.Keys(schema.Settings))}
	fields := []reflect.StructField{{Name: "Account", Type: reflect.TypeFor[Account](), Tag: `yaml:",inline"`}}
	keys := map[string]string{} // key → who declares it
	for _, k := range yamlKeys(fields[0].Type) {
		keys[k] = "the account"
	}
	for i, o := range l.owners {
		mk := schema.Settings[o]
		t := reflect.TypeOf(mk())
		if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
			return nil, fmt.Errorf("settings of %s: want a pointer to a struct, got %v", o, t)
		}
		for _, k := range yamlKeys(t.Elem()) {
			if by, ok := keys[k]; ok {
				return nil, fmt.Errorf("settings of %s: key %q is declared by %s too", o, k, by)
			}
			keys[k] = o
		}
		l.make = append(l.make, mk)
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("S%d", i), Type: t, Tag: `yaml:",inline"`})
	}
	l.account = reflect.StructOf(fields)
	l.file = reflect.StructOf([]reflect.StructField{
		{Name: "Top", Type: l.account, Tag: `yaml:",inline"`},
		{Name: "Accounts", Type: reflect.SliceOf(l.account), Tag: `yaml:"accounts"`},
	})
	return l, nil
}

// yamlKeys are the keys of a struct's fields.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(f).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	return keys
}

var (
	unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type .*$`)
	// echoedValue is the value yaml quotes in a type error: it may be a
	// secret put under the wrong key, so none of it is shown.
	echoedValue = regexp.MustCompile("(cannot unmarshal !!\\w+) `[^`]*`")
)

// decode reads a file of one YAML document over the defaults, without
// resolving inheritance or validating.
func (l *layout) decode(data []byte) (*Config, error) {
	file := reflect.New(l.file).Elem()
	top := file.Field(0)
	top.Field(0).Set(reflect.ValueOf(defaultAccount()))
	for i, mk := range l.make {
		top.Field(i + 1).Set(reflect.ValueOf(mk()))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(file.Addr().Interface()); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msgs := make([]string, len(te.Errors))
			for i, m := range te.Errors {
				if g := unknownField.FindStringSubmatch(m); g != nil {
					m = fmt.Sprintf("line %s: unknown key %q", g[1], g[2])
					if near := l.nearestKey(g[2]); near != "" {
						m += fmt.Sprintf(" (did you mean %q?)", near)
					}
				}
				m = echoedValue.ReplaceAllString(m, "$1")
				msgs[i] = m
			}
			return nil, errors.New(strings.Join(msgs, "; "))
		}
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("line %d: a second YAML document: the config is one document", extra.Line)
	}
	cfg := &Config{Account: l.accountOf(top)}
	accounts := file.Field(1)
	for i := range accounts.Len() {
		cfg.Accounts = append(cfg.Accounts, l.accountOf(accounts.Index(i)))
	}
	return cfg, nil
}

// accountOf is the Account a decoded account struct holds, with the
// settings it has (nil: none of its keys set).
func (l *layout) accountOf(v reflect.Value) Account {
	a := v.Field(0).Interface().(Account)
	a.Settings = map[string]Settings{}
	for i, o := range l.owners {
		if s := v.Field(i + 1); !s.IsNil() {
			a.Settings[o] = s.Interface().(Settings)
		}
	}
	return a
}

// wholeNumbers are the keys that take integers: YAML would read 1.5 as 1.
func (l *layout) wholeNumbers() []string {
	var keys []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		for f := range t.NumField() {
			sf := t.Field(f)
			tag, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
			switch k := sf.Type.Kind(); {
			case opts == "inline":
				walk(sf.Type)
			case (k == reflect.Int || k == reflect.Int64) && !reflect.PointerTo(sf.Type).Implements(reflect.TypeFor[yaml.Unmarshaler]()):
				keys = append(keys, tag)
			}
		}
	}
	walk(l.account)
	return keys
}

// inherit sets each field of dst that set says the file does not set to
// src's value; maps set in both are merged key by key, dst's entries
// winning. dst and src are structs of one type.
func inherit(dst, src reflect.Value, set func(key string) bool) {
	typ := src.Type()
	for f := range typ.NumField() {
		tag, _, _ := strings.Cut(typ.Field(f).Tag.Get("yaml"), ",")
		if tag == "name" || tag == "-" {
			continue
		}
		d, s := dst.Field(f), src.Field(f)
		switch {
		case !set(tag):
			d.Set(s)
		case s.Kind() == reflect.Map:
			merged := reflect.MakeMap(s.Type())
			for _, m := range []reflect.Value{s, d} {
				for it := m.MapRange(); it.Next(); {
					merged.SetMapIndex(it.Key(), it.Value())
				}
			}
			d.Set(merged)
		}
	}
}

// cloneSettings copies s with slices of its own.
func cloneSettings(s Settings) Settings {
	v := reflect.New(reflect.TypeOf(s).Elem())
	v.Elem().Set(reflect.ValueOf(s).Elem())
	for f := range v.Elem().NumField() {
		if fv := v.Elem().Field(f); fv.Kind() == reflect.Slice && !fv.IsNil() {
			fv.Set(reflect.AppendSlice(reflect.MakeSlice(fv.Type(), 0, fv.Len()), fv))
		}
	}
	return v.Interface().(Settings)
}

// nearestKey is the known key closest to key, within two edits; "" when
// none is.
func (l *layout) nearestKey(key string) string {
	var keys []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for f := range t.NumField() {
			if tag, _, _ := strings.Cut(t.Field(f).Tag.Get("yaml"), ","); tag != "-" {
				if tag != "" {
					keys = append(keys, tag)
				}
				walk(t.Field(f).Type)
			}
		}
	}
	walk(l.file)
	best, bestDist := "", 3
	for _, k := range keys {
		if d := editDistance(key, k); d > 0 && d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
