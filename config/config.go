// Package config loads and validates the exporter's YAML configuration.
package config

import (
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"go.yaml.in/yaml/v3"

	"github.com/trro-exporter/trro_exporter/trro"
)

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
	Projects   []string        `yaml:"projects"`
	Collectors map[string]bool `yaml:"collectors"`
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
	// Settings are the keys the schema's owners (collectors, rounds)
	// declare, by owner: each owner reads its own.
	Settings map[string]Settings `yaml:"-"`
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
// account, named default, with the defaults of every key schema's owners
// declare. A schema whose settings clash is a programming error: it
// panics.
func Default(schema Schema) *Config {
	l, err := newLayout(schema)
	if err != nil {
		panic(err)
	}
	c, err := l.decode(nil)
	if err != nil {
		panic(err)
	}
	_ = c.settle(nil) // without accounts, settling cannot fail
	return c
}

// defaultAccount holds the default of every key of the account's own.
func defaultAccount() Account {
	return Account{
		Region:           "ap-guangzhou",
		Endpoint:         trro.DefaultEndpoint,
		Collectors:       map[string]bool{},
		ScrapeTimeout:    Duration(30 * time.Second),
		RequestTimeout:   Duration(10 * time.Second),
		RateLimit:        20,
		MaxConcurrency:   10,
		MaxRetries:       3,
		RetryBackoff:     Duration(100 * time.Millisecond),
		PageSize:         100,
		MaxPages:         1000,
		MaxResponseBytes: 16 << 20,
	}
}

// Schema is what a config is checked against that the collectors define:
// their names, the label names their series use, and the settings each
// part of the exporter owns.
type Schema struct {
	Collectors []string
	// LabelName says why a static label may not take name (nil: it may).
	LabelName func(name string) error
	// Settings make each owner's settings, holding its defaults.
	Settings map[string]func() Settings
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
