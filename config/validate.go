package config

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/trro-exporter/trro_exporter/trro"
)

// Validate checks values that YAML alone cannot, account by account; it
// changes nothing.
func (c *Config) Validate(schema Schema) error {
	if len(c.Accounts) == 0 {
		return errors.New("accounts: no account")
	}
	for i := range c.Accounts {
		if err := c.Accounts[i].Validate(schema); err != nil {
			if c.single {
				return err // the top-level keys are the account: no account prefix
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
	for _, o := range slices.Sorted(maps.Keys(c.Settings)) {
		if err := c.Settings[o].Validate(); err != nil {
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
