package config_test

import (
	"errors"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"

	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

var known = collector.Schema()

func TestDefaultsWithEmptyFile(t *testing.T) {
	cfg, err := config.Parse([]byte(""), known)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint != "trro.tencentcloudapi.com" || cfg.Region != "ap-guangzhou" || cfg.RateLimit != 20 ||
		time.Duration(cfg.ScrapeTimeout) != 30*time.Second || strings.Join(collector.SettingsOf[collector.SessionsSettings](&cfg.Accounts[0]).StatisticIntervals, ",") != "hour" {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if !cfg.Enabled("sessions", true) || cfg.Enabled("sessions", false) {
		t.Fatal("unset collector must take its default")
	}
}

func TestExampleConfigIsValidAndComplete(t *testing.T) {
	data, err := os.ReadFile("../config.example.yml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data, known)
	if err != nil {
		t.Fatal(err)
	}
	// Every key of the struct is documented in the example.
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	d := config.Default(known)
	docs := []any{d}
	for _, s := range d.Accounts[0].Settings {
		docs = append(docs, s)
	}
	def := map[string]any{}
	for _, doc := range docs {
		out, _ := yaml.Marshal(doc)
		yaml.Unmarshal(out, &def)
	}
	if _, ok := def["max_live_sessions"]; !ok {
		t.Fatalf("the collectors' keys are missing from the defaults: %v", def)
	}
	for k := range def {
		if _, ok := m[k]; !ok {
			t.Errorf("config.example.yml does not document %q", k)
		}
	}
	_ = cfg
}

func TestInvalidConfigs(t *testing.T) {
	cases := []struct {
		file, want string
	}{
		{"unknown-key.yml", `line 3: unknown key "regoin" (did you mean "region"?)`},
		{"unknown-nested-key.yml", `line 3: unknown key "secret"`},
		{"bad-yaml.yml", `line 1: did not find expected node content`},
		{"bad-interval.yml", `line 1: statistic_intervals: "week" is not one of hour, day, month`},
		{"dup-interval.yml", `line 1: statistic_intervals: "hour" listed twice`},
		{"no-intervals.yml", `line 1: statistic_intervals: must list at least one of hour, day, month`},
		{"unknown-collector.yml", `line 1: collectors: unknown collector "gpus" (known: device_status, devices, license_summary, licenses, projects, recent_sessions, session_details, session_quality, sessions, usage)`},
		{"bad-endpoint.yml", `line 1: endpoint: invalid endpoint "ftp://trro.example.com": want http:// or https:// and a host, without a path`},
		{"empty-region.yml", `line 1: region: must not be empty`},
		{"dup-project.yml", `line 1: projects: "abc" listed twice`},
		{"bad-duration.yml", `line 1: invalid duration "soon", want e.g. 30s or 1m`},
		{"zero-rate.yml", `line 1: rate_limit: must be between 0.01 and 1000 requests per second per action`},
		{"key-and-file.yml", `line 1: credentials: set secret_key or secret_key_file, not both`},
		{"id-without-key.yml", `line 1: credentials: secret_id is set but neither secret_key nor secret_key_file`},
		{"key-without-id.yml", `line 1: credentials: secret_key is set but secret_id is not`},
		{"page-size.yml", `line 1: page_size: must be between 1 and 1000`},
		{"wrong-type.yml", `line 1: cannot unmarshal !!map into []string`},
		{"settings-unknown.yml", `line 1: collector_settings: unknown collector "gpus" (known: device_status, devices, license_summary, licenses, projects, recent_sessions, session_details, session_quality, sessions, usage)`},
		// Whole numbers, ranges, a second document (#13).
		{"float-pages.yml", `line 1: max_pages: want a whole number, got "1.5"`},
		{"huge-body.yml", `line 1: max_response_bytes: must be between 1024 and 1073741824 (1 GiB)`},
		{"nan-rate.yml", `line 1: rate_limit: must be between 0.01 and 1000 requests per second per action`},
		{"tiny-rate.yml", `line 1: rate_limit: must be between 0.01 and 1000 requests per second per action`},
		{"short-timeout.yml", `line 1: scrape_timeout: must be between 1s and 1h`},
		{"huge-interval.yml", `line 2: collector_settings.devices: min_interval must be at most 30d and max_age at most 90d`},
		{"second-document.yml", `line 2: a second YAML document: the config is one document`},
		{"settings-max-age.yml", `line 2: collector_settings.devices: max_age 1m is shorter than min_interval 10m`},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join("testdata", c.file)
			_, err := config.LoadFile(path, known)
			want := "config file " + path + ": " + c.want
			if err == nil || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatal("error shows the secret")
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	_, err := config.LoadFile("testdata/does-not-exist.yml", known)
	if err == nil || err.Error() != "config file: open testdata/does-not-exist.yml: no such file or directory" {
		t.Fatal(err)
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	cfg, err := config.Parse([]byte("credentials:\n  secret_id: AKIDx\n  secret_key: hunter2-secret\n  session_token: tok-secret\n"), known)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := yaml.Marshal(cfg)
	j, _ := json.Marshal(cfg)
	for _, s := range []string{
		//lint:ignore S1025 the test is about what %s prints
		fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg.Credentials.SecretKey),
		fmt.Sprintf("%q", cfg.Credentials.SecretKey), string(y), string(j),
	} {
		if strings.Contains(s, "hunter2") || strings.Contains(s, "tok-secret") {
			t.Fatalf("secret printed: %s", s)
		}
	}
	if !strings.Contains(string(y), "<secret>") {
		t.Fatalf("marshalled config should show <secret>: %s", y)
	}
	if cfg.Credentials.SecretKey.Value() != "hunter2-secret" {
		t.Fatal("Value must return the secret")
	}
}

func TestCredentialSources(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // no SDK profile file
	t.Setenv(config.EnvSecretID, "")
	t.Setenv(config.EnvSecretKey, "")
	os.Unsetenv(config.EnvSecretID)
	os.Unsetenv(config.EnvSecretKey)
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte("file-secret\n"), 0o600)

	cfg := config.Default(collector.Schema())
	if _, err := cfg.Resolve(); err != config.ErrNoCredentials {
		t.Fatalf("no credentials: %v", err)
	}
	t.Setenv(config.EnvSecretID, "AKIDenv")
	if _, err := cfg.Resolve(); err == nil || err.Error() != "credentials: TENCENTCLOUD_SECRET_KEY is not set or empty while the other Tencent Cloud variable is set" {
		t.Fatalf("half env: %v", err)
	}
	t.Setenv(config.EnvSecretKey, "env-secret")
	t.Setenv(config.EnvSessionToken, "env-token")
	c, err := cfg.Resolve()
	if err != nil || c.GetSecretKey() != "env-secret" || c.GetToken() != "env-token" {
		t.Fatalf("env: %v", err)
	}
	src, _ := cfg.CredentialSource()
	if src != "environment (TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_SESSION_TOKEN)" {
		t.Fatalf("source = %q", src)
	}
	cfg.Credentials = config.Credentials{SecretID: "AKIDfile", SecretKeyFile: keyFile}
	c, err = cfg.Resolve()
	if err != nil || c.GetSecretId() != "AKIDfile" || c.GetSecretKey() != "file-secret" {
		t.Fatalf("key file: %v", err)
	}
	src, _ = cfg.CredentialSource()
	if strings.Contains(src, "file-secret") || strings.Contains(src, "env-secret") {
		t.Fatal("source shows a secret")
	}
	cfg.Credentials = config.Credentials{SecretID: "AKIDfile", SecretKeyFile: keyFile + ".missing"}
	if _, err := cfg.Resolve(); err == nil || !strings.HasPrefix(err.Error(), "credentials: secret_key_file: open ") {
		t.Fatalf("missing key file: %v", err)
	}
}

func TestCollectorSettingsDefaults(t *testing.T) {
	cfg, err := config.Parse([]byte("collector_settings:\n  devices: {min_interval: 10m}\n  licenses: {min_interval: 1m, max_age: 5m}\n"), known)
	if err != nil {
		t.Fatal(err)
	}
	if d := cfg.CollectorSettings["devices"]; time.Duration(d.MaxAge) != 30*time.Minute {
		t.Errorf("devices max_age = %s, want 3 × min_interval", d.MaxAge)
	}
	if l := cfg.CollectorSettings["licenses"]; time.Duration(l.MaxAge) != 5*time.Minute || time.Duration(l.MinInterval) != time.Minute {
		t.Errorf("licenses = %+v", l)
	}
}

// widgetSettings are a test owner's keys.
type widgetSettings struct {
	MaxWidgets int      `yaml:"max_widgets"`
	Sizes      []string `yaml:"widget_sizes"`
}

func (s *widgetSettings) Validate() error {
	if s.MaxWidgets < 1 {
		return errors.New("max_widgets: must be at least 1")
	}
	return nil
}

// An owner's keys sit beside the account's own: decoded over the owner's
// defaults, inherited by accounts key by key, checked as whole numbers,
// validated with the line of the key, each account with its own copy.
func TestOwnersSettings(t *testing.T) {
	schema := config.Schema{Settings: map[string]func() config.Settings{
		"widgets": func() config.Settings { return &widgetSettings{MaxWidgets: 10, Sizes: []string{"s"}} },
	}}
	widgets := func(a *config.Account) *widgetSettings { return a.Settings["widgets"].(*widgetSettings) }
	cfg, err := config.Parse(nil, schema)
	if err != nil || widgets(&cfg.Accounts[0]).MaxWidgets != 10 || widgets(&cfg.Accounts[0]).Sizes[0] != "s" {
		t.Fatalf("defaults: %v %+v", err, cfg.Accounts[0].Settings["widgets"])
	}
	cfg, err = config.Parse([]byte("max_widgets: 5\nwidget_sizes: [m]\naccounts:\n  - name: a\n  - name: b\n    max_widgets: 7\n"), schema)
	if err != nil {
		t.Fatal(err)
	}
	a, b := widgets(&cfg.Accounts[0]), widgets(&cfg.Accounts[1])
	if a.MaxWidgets != 5 || b.MaxWidgets != 7 || a.Sizes[0] != "m" || b.Sizes[0] != "m" {
		t.Fatalf("inherited: a %+v, b %+v", a, b)
	}
	a.Sizes[0] = "changed"
	if b.Sizes[0] != "m" {
		t.Fatal("accounts share a settings slice")
	}
	for data, want := range map[string]string{
		"region: x\nmax_widgets: 0\n":                      "line 2: max_widgets: must be at least 1",
		"max_widgets: 1.5\n":                               `line 1: max_widgets: want a whole number, got "1.5"`,
		"accounts:\n  - name: a\n    max_widgets: 0\n":     "line 3: account a: max_widgets: must be at least 1",
		"accounts:\n  - name: a\n    max_widgetz: 1\n":     `line 3: unknown key "max_widgetz" (did you mean "max_widgets"?)`,
		"accounts:\n  - name: a\n    widget_sizes: true\n": "line 3: cannot unmarshal !!bool into []string",
	} {
		if _, err := config.Parse([]byte(data), schema); err == nil || err.Error() != want {
			t.Errorf("%q: got %v, want %s", data, err, want)
		}
	}
	// Two owners declaring one key is refused, naming it.
	schema.Settings["gadgets"] = func() config.Settings { return &widgetSettings{} }
	if _, err := config.Parse(nil, schema); err == nil || !strings.Contains(err.Error(), "max_widgets") {
		t.Fatalf("a key declared twice: %v", err)
	}
}

// A static label value is bounded; a YAML type error quotes none of the
// misplaced value, which may be a secret under the wrong key.
func TestLabelLengthAndTypeErrorsQuoteNothing(t *testing.T) {
	_, err := config.Parse([]byte("labels: {customer: "+strings.Repeat("x", 300)+"}\n"), known)
	if err == nil || err.Error() != "line 1: labels.customer: 300 bytes; a static label value takes at most 256 (it is on every series)" {
		t.Errorf("a 300-byte label value: %v", err)
	}
	_, err = config.Parse([]byte("credentials: hunter2-secret-key\n"), known)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "line 1: cannot unmarshal !!str into") {
		t.Errorf("a secret under the wrong key: %v", err)
	}
}
