package collector

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/go-kit/log"
	"github.com/prometheus/common/model"

	"github.com/trro-exporter/trro_exporter/config"
)

// shared is what an exporter lends each of its scrapers besides the
// account's settings: its logger and its count of dropped values.
type shared struct {
	logger log.Logger
	drops  *drops
}

// factory makes a collector's scraper from the settings it reads.
type factory struct {
	defaultOn bool
	new       func(*config.Account, shared) Scraper
}

var factories = map[string]factory{}

// owners make the settings each owner declares (a collector, or the
// round), holding their defaults.
var owners = map[string]func() config.Settings{}

// registerSettings declares the settings an owner reads: defaults returns
// a new pointer to them, holding their defaults.
func registerSettings[S any, P interface {
	*S
	config.Settings
}](owner string, defaults S) {
	owners[owner] = func() config.Settings { s := defaults; return P(&s) }
}

// SettingsOf returns the settings of type S an account holds, or their
// defaults when it holds none (an account not made from Schema).
func SettingsOf[S any](acc *config.Account) *S {
	for _, s := range acc.Settings {
		if p, ok := any(s).(*S); ok {
			return p
		}
	}
	for _, mk := range owners {
		if p, ok := any(mk()).(*S); ok {
			return p
		}
	}
	panic(fmt.Sprintf("collector: no settings of type %T registered", new(S)))
}

// registerCollector declares a collector: its name, whether it is on by
// default, and how it is made from an account's settings.
func registerCollector(name string, defaultOn bool, f func(*config.Account, shared) Scraper) {
	factories[name] = factory{defaultOn: defaultOn, new: f}
}

// Names lists the known collectors, sorted.
func Names() []string {
	names := make([]string, 0, len(factories))
	for n := range factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DefaultEnabled reports a collector's default state.
func DefaultEnabled(name string) bool { return factories[name].defaultOn }

// Enabled are the collectors an account turns on, sorted.
func Enabled(acc *config.Account) []string {
	var out []string
	for _, n := range Names() {
		if acc.Enabled(n, DefaultEnabled(n)) {
			out = append(out, n)
		}
	}
	return out
}

// Schema is what the config is checked against: the collectors' names,
// the label names their series use, and the settings each collector (and
// the round) declares with its defaults.
func Schema() config.Schema {
	return config.Schema{Collectors: Names(), LabelName: CheckStaticLabelName, Settings: maps.Clone(owners)}
}

// CheckStaticLabelName tells why name cannot be a static label of an
// account: no classic label name, or one of the exporter's own (or job,
// instance, le, quantile, which Prometheus attaches). nil when it can.
func CheckStaticLabelName(name string) error {
	switch {
	case !model.LegacyValidation.IsValidLabelName(name) || strings.HasPrefix(name, "__"):
		return fmt.Errorf("%q is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)", name)
	case slices.Contains(append(LabelNames(), "job", "instance", "le", "quantile"), name):
		return fmt.Errorf("%q is a label of the exporter's own series", name)
	}
	return nil
}

// LabelNames are the label names of the exporter's series, sorted: static
// labels may not take them.
func LabelNames() []string {
	labelNamesOnce.Do(func() { labelNames = ownLabelNames() })
	return slices.Clone(labelNames)
}

var (
	labelNamesOnce sync.Once
	labelNames     []string
)

func ownLabelNames() []string {
	acc := config.Default(Schema()).Accounts[0]
	for _, n := range Names() {
		acc.Collectors[n] = true
	}
	e := New(acc, Deps{APIMetrics: NewAPIMetrics()})
	names := []string{AccountLabel}
	for _, f := range e.families() {
		names = append(names, f.labels...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}
