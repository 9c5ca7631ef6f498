package config

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// DefaultAccount names the one account of a config without accounts.
const DefaultAccount = "default"

var accountName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// envName is the syntax of an environment variable name.
var envName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// accountError is a validation error of one account of accounts.
type accountError struct {
	index int
	name  string
	err   error
}

func (e *accountError) Error() string { return fmt.Sprintf("account %s: %v", e.name, e.err) }
func (e *accountError) Unwrap() error { return e.err }

// settle resolves every account: without accounts, the top-level keys are
// the one account; with them, each account takes the top-level value of
// every key it does not set. Maps (collectors, collector_settings, labels)
// are merged key by key, the account's entries winning; any other key set
// in an account replaces the top-level value whole (credentials too).
// lines tells which keys the file sets.
func (c *Config) settle(lines map[string]int) error {
	if len(c.Accounts) == 0 {
		c.Accounts = []Account{c.Account.clone(cmp.Or(c.Name, DefaultAccount))}
		c.single = true
		return nil
	}
	if c.Name != "" {
		return fmt.Errorf("line %d: name: names an account of its own only without accounts: set name in each account", lines["name"])
	}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		set := func(key string) bool { _, ok := lines[fmt.Sprintf("accounts.%d.%s", i, key)]; return ok }
		inherit(reflect.ValueOf(a).Elem(), reflect.ValueOf(c.Account), set)
		settings := map[string]Settings{}
		for o, top := range c.Settings {
			s, ok := a.Settings[o]
			if ok {
				inherit(reflect.ValueOf(s).Elem(), reflect.ValueOf(top).Elem(), set)
			} else {
				s = top
			}
			settings[o] = s
		}
		a.Settings = settings
		*a = a.clone(a.Name)
	}
	return nil
}

// clone copies a with the given name, its maps and slices its own: flags
// change accounts one by one.
func (a Account) clone(name string) Account {
	a.Name = name
	a.Projects = slices.Clone(a.Projects)
	a.Collectors = maps.Clone(a.Collectors)
	if a.Collectors == nil {
		a.Collectors = map[string]bool{}
	}
	a.CollectorSettings = maps.Clone(a.CollectorSettings)
	a.Labels = maps.Clone(a.Labels)
	settings := make(map[string]Settings, len(a.Settings))
	for o, s := range a.Settings {
		settings[o] = cloneSettings(s)
	}
	a.Settings = settings
	return a
}

// validateNames checks account names: each valid and used once.
func validateNames(accounts []Account) error {
	for i, a := range accounts {
		switch {
		case a.Name == "":
			return &accountError{index: i, name: fmt.Sprintf("#%d", i+1), err: errors.New("name: every account needs a name")}
		case !accountName.MatchString(a.Name):
			return &accountError{index: i, name: fmt.Sprintf("#%d", i+1), err: fmt.Errorf("name: %q: use lower-case letters, digits, _ and - only", a.Name)}
		}
		for j := range i {
			if accounts[j].Name == a.Name {
				return &accountError{index: i, name: a.Name, err: fmt.Errorf("name: %q is the name of an account above", a.Name)}
			}
		}
	}
	return nil
}

// anchored compiles a filter the way Prometheus' relabeling does: it must
// match the whole value.
func anchored(re string) (*regexp.Regexp, error) {
	if re == "" {
		return nil, nil
	}
	return regexp.Compile("^(?:" + re + ")$")
}

func (c *Account) validateFilters() error {
	for _, f := range []struct{ key, re string }{{"include", c.Include}, {"exclude", c.Exclude}, {"device_exclude", c.DeviceExclude}} {
		if _, err := anchored(f.re); err != nil {
			return fmt.Errorf("%s: %v", f.key, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	}
	if len(c.Projects) > 0 && (c.Include != "" || c.Exclude != "") {
		return errors.New("projects: set projects (ids) or include/exclude (names of discovered projects), not both")
	}
	return nil
}

// maxLabelValue bounds a static label value: it is written on every
// series of the account.
const maxLabelValue = 256

func (c *Account) validateLabels(check func(string) error) error {
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		v := c.Labels[k]
		var err error
		if check != nil {
			err = check(k)
		}
		switch {
		case err != nil:
			return fmt.Errorf("labels: %w", err)
		case v == "":
			return fmt.Errorf("labels.%s: empty value (a label with an empty value is no label)", k)
		case !utf8.ValidString(v):
			return fmt.Errorf("labels.%s: not valid UTF-8", k)
		case len(v) > maxLabelValue:
			return fmt.Errorf("labels.%s: %d bytes; a static label value takes at most %d (it is on every series)", k, len(v), maxLabelValue)
		}
	}
	return nil
}

// Filters are an account's project and device filters, compiled (nil:
// unset).
type Filters struct {
	// Include and Exclude match discovered projects' names.
	Include, Exclude *regexp.Regexp
	// Devices matches device ids and names.
	Devices *regexp.Regexp
}

// Filters compiles the account's filters; Validate has checked them.
func (c *Account) Filters() Filters {
	var f Filters
	f.Include, _ = anchored(c.Include)
	f.Exclude, _ = anchored(c.Exclude)
	f.Devices, _ = anchored(c.DeviceExclude)
	return f
}

// KeepProject tells whether a discovered project's name passes include
// (unset: all) and exclude (unset: none): the one project-name filter of
// rounds and of fleet sizing.
func (f Filters) KeepProject(name string) bool {
	return (f.Include == nil || f.Include.MatchString(name)) && (f.Exclude == nil || !f.Exclude.MatchString(name))
}
