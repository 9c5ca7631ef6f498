// Package config loads and validates the exporter's YAML configuration.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"go.yaml.in/yaml/v3"

	"github.com/trro-exporter/trro_exporter/trro"
)

// Intervals are the StatisticInterval values the API knows.
var Intervals = []string{"hour", "day", "month"}

// Config is the exporter's configuration file. Its top-level keys are the
// settings of every account: the one account (named "default" unless name
// says otherwise) when accounts is empty, else what each account inherits.
type Config struct {
	Account `yaml:",inline"`
	// Accounts are the Tencent Cloud accounts exported, each with its own
	// credentials, endpoint, rate limits and state (see accounts.go). After
	// Parse it always holds at least one, every key resolved.
	Accounts []Account `yaml:"accounts"`
	// single: the top-level keys are the one account (no accounts list).
	single bool
}

// Account is one Tencent Cloud account's settings.
type Account struct {
	// Name is the account label's value; [a-z0-9_-]+, unique.
	Name        string      `yaml:"name"`
	Credentials Credentials `yaml:"credentials"`
	// Region is sent with every call; the API requires it for most actions.
	Region string `yaml:"region"`
	// Endpoint is a host, or a URL for a local stand-in.
	Endpoint string `yaml:"endpoint"`
	// Projects limits the exporter to these project ids; empty discovers
	// every project with DescribeProjectList.
	Projects           []string        `yaml:"projects"`
	StatisticIntervals []string        `yaml:"statistic_intervals"`
	Collectors         map[string]bool `yaml:"collectors"`
	// ScrapeTimeout caps a scrape's API work; Prometheus' own scrape timeout
	// (minus --scrape.timeout-offset) applies when it is shorter.
	ScrapeTimeout    Duration `yaml:"scrape_timeout"`
	RequestTimeout   Duration `yaml:"request_timeout"`
	RateLimit        float64  `yaml:"rate_limit"`
	MaxConcurrency   int      `yaml:"max_concurrency"`
	MaxRetries       int      `yaml:"max_retries"`
	RetryBackoff     Duration `yaml:"retry_backoff"`
	PageSize         int      `yaml:"page_size"`
	MaxPages         int      `yaml:"max_pages"`
	MaxResponseBytes int64    `yaml:"max_response_bytes"`
	// MaxDevicesPerProject is the cardinality guard of the device collectors.
	MaxDevicesPerProject int `yaml:"max_devices_per_project"`
	// IncludeUnregisteredDevices lists devices that log in without
	// registration too (DescribeDeviceList RegisterType 1).
	IncludeUnregisteredDevices bool `yaml:"include_unregistered_devices"`
	// MaxLicenses is the cardinality guard of the licenses collector.
	MaxLicenses int `yaml:"max_licenses"`
	// ActiveSessionWindow: a session updated within it counts as active.
	ActiveSessionWindow Duration `yaml:"active_session_window"`
	// SessionQualityLookback is how far back session_quality reads.
	SessionQualityLookback Duration `yaml:"session_quality_lookback"`
	// MaxLiveSessions caps the live sessions session_details follows.
	MaxLiveSessions int `yaml:"max_live_sessions"`
	// SessionDetailsRetention: a device's session series go once it has had
	// no session for this long.
	SessionDetailsRetention Duration `yaml:"session_details_retention"`
	// CollectorSettings hold per-collector freshness for large fleets.
	CollectorSettings map[string]CollectorSettings `yaml:"collector_settings"`
	// Include and Exclude filter discovered projects by name (regular
	// expressions, anchored at both ends); exclude wins.
	Include string `yaml:"include"`
	Exclude string `yaml:"exclude"`
	// DeviceExclude leaves out the devices whose id or name it matches
	// (anchored), and their sessions.
	DeviceExclude string `yaml:"device_exclude"`
	// Labels are added to every series of the account.
	Labels map[string]string `yaml:"labels"`
}

// CollectorSettings tune one collector.
type CollectorSettings struct {
	// MinInterval: within it after a successful fetch, scrapes are answered
	// from that fetch without API calls (0: call the API on every scrape).
	MinInterval Duration `yaml:"min_interval"`
	// MaxAge: when refreshes fail, the last successful result is served
	// until it is this old (default 3 × min_interval).
	MaxAge Duration `yaml:"max_age"`
}

// UnmarshalYAML fills in max_age's default, which depends on min_interval.
func (cs *CollectorSettings) UnmarshalYAML(n *yaml.Node) error {
	type plain CollectorSettings
	if err := n.Decode((*plain)(cs)); err != nil {
		return err
	}
	if cs.MaxAge == 0 && cs.MinInterval <= Duration(30*24*time.Hour) {
		cs.MaxAge = 3 * cs.MinInterval // validated below: no overflow past 30d
	}
	return nil
}

// Credentials say how requests are signed. With none of them set the
// exporter reads TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (and
// TENCENTCLOUD_SESSION_TOKEN), then the SDK's profile file.
type Credentials struct {
	SecretID      string `yaml:"secret_id"`
	SecretKey     Secret `yaml:"secret_key"`
	SecretKeyFile string `yaml:"secret_key_file"`
	SessionToken  Secret `yaml:"session_token"`
	// CVMRole is a CVM role name, or "auto" to ask the instance metadata.
	CVMRole string `yaml:"cvm_role"`
	// SecretIDEnv, SecretKeyEnv and SessionTokenEnv name environment
	// variables holding the key pair (and token): one pair per account.
	SecretIDEnv     string `yaml:"secret_id_env"`
	SecretKeyEnv    string `yaml:"secret_key_env"`
	SessionTokenEnv string `yaml:"session_token_env"`
	// RoleARN is assumed through STS with the credentials found above.
	RoleARN         string `yaml:"role_arn"`
	RoleSessionName string `yaml:"role_session_name"`
}

// Default returns the configuration used when no file is given: one
// account, named default.
func Default() *Config {
	c := &Config{Account: defaultAccount()}
	_ = c.settle(nil) // without accounts, settling cannot fail
	return c
}

// defaultAccount holds every key's default.
func defaultAccount() Account {
	return Account{
		Region:                     "ap-guangzhou",
		Endpoint:                   trro.DefaultEndpoint,
		StatisticIntervals:         []string{"hour"},
		Collectors:                 map[string]bool{},
		ScrapeTimeout:              Duration(30 * time.Second),
		RequestTimeout:             Duration(10 * time.Second),
		RateLimit:                  20,
		MaxConcurrency:             10,
		MaxRetries:                 3,
		RetryBackoff:               Duration(100 * time.Millisecond),
		PageSize:                   100,
		MaxPages:                   1000,
		MaxResponseBytes:           16 << 20,
		MaxDevicesPerProject:       5000,
		IncludeUnregisteredDevices: true,
		MaxLicenses:                20000,
		ActiveSessionWindow:        Duration(2 * time.Minute),
		SessionQualityLookback:     Duration(24 * time.Hour),
		MaxLiveSessions:            200,
		SessionDetailsRetention:    Duration(24 * time.Hour),
	}
}

// Schema is what a config is checked against that the collectors define:
// their names, and the label names their series use.
type Schema struct {
	Collectors []string
	// LabelName says why a static label may not take name (nil: it may).
	LabelName func(name string) error
}

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

var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)

// Parse decodes and validates a config; unknown keys are errors, and so is
// a second YAML document. Errors name the key and its line.
func Parse(data []byte, schema Schema) (*Config, error) {
	cfg := &Config{Account: defaultAccount()}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msgs := make([]string, len(te.Errors))
			for i, m := range te.Errors {
				if g := unknownField.FindStringSubmatch(m); g != nil {
					m = fmt.Sprintf("line %s: unknown key %q", g[1], g[2])
				}
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
	lines, err := keyLines(data)
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

// wholeNumbers are the keys that take integers: YAML would read 1.5 as 1.
var wholeNumbers = []string{"max_concurrency", "max_retries", "page_size", "max_pages", "max_response_bytes",
	"max_devices_per_project", "max_live_sessions", "max_licenses"}

// keyLines maps each key of the config (dotted below the top level) to its
// line, and checks that whole-number keys hold whole numbers.
func keyLines(data []byte) (map[string]int, error) {
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

// Validate checks values that YAML alone cannot, account by account; it
// changes nothing.
func (c *Config) Validate(schema Schema) error {
	if len(c.Accounts) == 0 {
		return errors.New("accounts: no account")
	}
	for i := range c.Accounts {
		if err := c.Accounts[i].Validate(schema); err != nil {
			if c.single {
				return err // the single-account keys: errors as before
			}
			return &accountError{index: i, name: c.Accounts[i].Name, err: err}
		}
	}
	return validateNames(c.Accounts)
}

// Validate checks one account's values: the one place they are checked.
func (c *Account) Validate(schema Schema) error {
	for _, check := range []func() error{
		c.validateAPI,
		c.validateProjects,
		func() error { return c.validateCollectors(schema.Collectors) },
		c.validateLimits,
		c.Credentials.validate,
		c.validateFilters,
		func() error { return c.validateLabels(schema.LabelName) },
	} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Account) validateAPI() error {
	if _, _, err := trro.ParseEndpoint(c.Endpoint); err != nil {
		return fmt.Errorf("endpoint: %w", err)
	}
	if c.Region == "" {
		return errors.New("region: must not be empty")
	}
	return nil
}

func (c *Account) validateProjects() error {
	for i, p := range c.Projects {
		switch {
		case strings.TrimSpace(p) == "":
			return errors.New("projects: empty project id")
		case slices.Contains(c.Projects[:i], p):
			return fmt.Errorf("projects: %q listed twice", p)
		}
	}
	if len(c.StatisticIntervals) == 0 {
		return fmt.Errorf("statistic_intervals: must list at least one of %s", strings.Join(Intervals, ", "))
	}
	for i, iv := range c.StatisticIntervals {
		switch {
		case !slices.Contains(Intervals, iv):
			return fmt.Errorf("statistic_intervals: %q is not one of %s", iv, strings.Join(Intervals, ", "))
		case slices.Contains(c.StatisticIntervals[:i], iv):
			return fmt.Errorf("statistic_intervals: %q listed twice", iv)
		}
	}
	return nil
}

func (c *Account) validateCollectors(collectors []string) error {
	for name := range c.Collectors {
		if !slices.Contains(collectors, name) {
			return fmt.Errorf("collectors: unknown collector %q (known: %s)", name, strings.Join(collectors, ", "))
		}
	}
	for name, cs := range c.CollectorSettings {
		switch {
		case !slices.Contains(collectors, name):
			return fmt.Errorf("collector_settings: unknown collector %q (known: %s)", name, strings.Join(collectors, ", "))
		case cs.MinInterval < 0 || cs.MaxAge < 0:
			return fmt.Errorf("collector_settings.%s: durations must not be negative", name)
		case cs.MinInterval > Duration(30*24*time.Hour) || cs.MaxAge > Duration(90*24*time.Hour):
			return fmt.Errorf("collector_settings.%s: min_interval must be at most 30d and max_age at most 90d", name)
		case cs.MaxAge < cs.MinInterval:
			return fmt.Errorf("collector_settings.%s: max_age %s is shorter than min_interval %s", name, cs.MaxAge, cs.MinInterval)
		}
	}
	return nil
}

func (c *Account) validateLimits() error {
	switch {
	case c.ScrapeTimeout < Duration(time.Second) || c.ScrapeTimeout > Duration(time.Hour):
		return errors.New("scrape_timeout: must be between 1s and 1h")
	case c.RequestTimeout < Duration(100*time.Millisecond) || c.RequestTimeout > Duration(10*time.Minute):
		return errors.New("request_timeout: must be between 100ms and 10m")
	case math.IsNaN(c.RateLimit) || c.RateLimit < 0.01 || c.RateLimit > 1000:
		return errors.New("rate_limit: must be between 0.01 and 1000 requests per second per action")
	case c.MaxConcurrency < 1:
		return errors.New("max_concurrency: must be at least 1")
	case c.MaxRetries < 0 || c.MaxRetries > 10:
		return errors.New("max_retries: must be between 0 and 10")
	case c.RetryBackoff < Duration(time.Millisecond) || c.RetryBackoff > Duration(time.Minute):
		return errors.New("retry_backoff: must be between 1ms and 1m")
	case c.PageSize < 1 || c.PageSize > 1000:
		return errors.New("page_size: must be between 1 and 1000")
	case c.MaxPages < 1:
		return errors.New("max_pages: must be at least 1")
	case c.MaxResponseBytes < 1024 || c.MaxResponseBytes > 1<<30:
		return errors.New("max_response_bytes: must be between 1024 and 1073741824 (1 GiB)")
	case c.MaxDevicesPerProject < 1:
		return errors.New("max_devices_per_project: must be at least 1")
	case c.ActiveSessionWindow <= 0 || time.Duration(c.ActiveSessionWindow) > 2*time.Hour:
		return errors.New("active_session_window: must be between 0 and 2h (the API's recent-session window)")
	case c.SessionQualityLookback <= 0:
		return errors.New("session_quality_lookback: must be positive")
	case c.MaxLicenses < 1:
		return errors.New("max_licenses: must be at least 1")
	case c.MaxLiveSessions < 1:
		return errors.New("max_live_sessions: must be at least 1")
	case c.SessionDetailsRetention <= 0:
		return errors.New("session_details_retention: must be positive")
	}
	return nil
}

func (cr Credentials) validate() error {
	switch {
	case cr.SecretKey != "" && cr.SecretKeyFile != "":
		return errors.New("credentials: set secret_key or secret_key_file, not both")
	case cr.SecretID != "" && cr.SecretKey == "" && cr.SecretKeyFile == "":
		return errors.New("credentials: secret_id is set but neither secret_key nor secret_key_file")
	case cr.SecretID == "" && (cr.SecretKey != "" || cr.SecretKeyFile != ""):
		return errors.New("credentials: secret_key is set but secret_id is not")
	case cr.SessionToken != "" && cr.SecretID == "":
		return errors.New("credentials: session_token needs secret_id and secret_key")
	case cr.CVMRole != "" && cr.SecretID != "":
		return errors.New("credentials: set cvm_role or secret_id, not both")
	case (cr.SecretIDEnv == "") != (cr.SecretKeyEnv == ""):
		return errors.New("credentials: set secret_id_env and secret_key_env together")
	case cr.SessionTokenEnv != "" && cr.SecretIDEnv == "":
		return errors.New("credentials: session_token_env needs secret_id_env and secret_key_env")
	case cr.SecretIDEnv != "" && (cr.SecretID != "" || cr.CVMRole != ""):
		return errors.New("credentials: set secret_id_env or secret_id or cvm_role, one of them")
	}
	for _, env := range []string{cr.SecretIDEnv, cr.SecretKeyEnv, cr.SessionTokenEnv} {
		if env != "" && !envName.MatchString(env) {
			return fmt.Errorf("credentials: %q is not an environment variable name", env)
		}
	}
	return nil
}

// ClientOptions are the API client's settings from c, signing with cred.
func (c *Account) ClientOptions(cred common.CredentialIface) trro.Options {
	return trro.Options{
		Endpoint: c.Endpoint, Region: c.Region, Credential: cred,
		RequestTimeout: time.Duration(c.RequestTimeout), RateLimit: c.RateLimit,
		MaxConcurrency: c.MaxConcurrency, MaxBodyBytes: c.MaxResponseBytes,
		MaxRetries: c.MaxRetries, RetryBackoff: time.Duration(c.RetryBackoff),
		PageSize: c.PageSize, MaxPages: c.MaxPages,
	}
}

// Enabled reports whether a collector is on: the config's switch if set,
// else def.
func (c *Account) Enabled(name string, def bool) bool {
	if v, ok := c.Collectors[name]; ok {
		return v
	}
	return def
}
