package config_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trro-exporter/trro_exporter/config"
)

func TestSingleAccountIsDefault(t *testing.T) {
	cfg, err := config.Parse([]byte("region: ap-beijing\nlabels: {customer: acme}\n"), known)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Accounts) != 1 || cfg.Accounts[0].Name != "default" || cfg.Accounts[0].Region != "ap-beijing" ||
		cfg.Accounts[0].Labels["customer"] != "acme" {
		t.Fatalf("accounts = %+v", cfg.Accounts)
	}
	cfg, err = config.Parse([]byte("name: acme\n"), known)
	if err != nil || cfg.Accounts[0].Name != "acme" {
		t.Fatalf("named single account: %v %+v", err, cfg.Accounts)
	}
	if d := config.Default(known); len(d.Accounts) != 1 || d.Accounts[0].Name != "default" || d.Accounts[0].RateLimit != 20 {
		t.Fatalf("config.Default(known) accounts = %+v", d.Accounts)
	}
}

func TestAccountsInherit(t *testing.T) {
	cfg, err := config.Parse([]byte(`
rate_limit: 5
region: ap-shanghai
credentials: {secret_id: AKIDtop, secret_key: top-secret}
collectors: {session_quality: true, usage: false}
labels: {team: ops}
collector_settings:
  devices: {min_interval: 10m}
accounts:
  - name: a
  - name: b-2
    region: ap-singapore
    endpoint: trro.intl.tencentcloudapi.com
    credentials: {cvm_role: reader}
    collectors: {usage: true}
    labels: {customer: globex}
    rate_limit: 10
    include: "prod-.*"
    device_exclude: "test-.*"
`), known)
	if err != nil {
		t.Fatal(err)
	}
	a, b := cfg.Accounts[0], cfg.Accounts[1]
	if a.Name != "a" || a.RateLimit != 5 || a.Region != "ap-shanghai" || a.Credentials.SecretID != "AKIDtop" ||
		!a.Collectors["session_quality"] || a.Collectors["usage"] || a.Labels["team"] != "ops" ||
		time.Duration(a.CollectorSettings["devices"].MinInterval) != 10*time.Minute || a.Endpoint != "trro.tencentcloudapi.com" {
		t.Fatalf("a = %+v", a)
	}
	// Scalars and credentials replaced whole; maps merged key by key.
	if b.RateLimit != 10 || b.Region != "ap-singapore" || b.Endpoint != "trro.intl.tencentcloudapi.com" ||
		b.Credentials.SecretID != "" || b.Credentials.CVMRole != "reader" ||
		!b.Collectors["usage"] || !b.Collectors["session_quality"] ||
		b.Labels["team"] != "ops" || b.Labels["customer"] != "globex" || b.Include != "prod-.*" || b.DeviceExclude != "test-.*" {
		t.Fatalf("b = %+v", b)
	}
	// Each account's maps are its own: flags change accounts one by one.
	a.Collectors["devices"] = false
	if _, ok := cfg.Accounts[1].Collectors["devices"]; ok {
		t.Fatal("accounts share a collectors map")
	}
	if _, ok := cfg.Account.Collectors["devices"]; ok {
		t.Fatal("an account shares the top-level collectors map")
	}
}

func TestInvalidAccounts(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"accounts:\n  - region: x\n", "line 2: account #1: name: every account needs a name"},
		{"accounts:\n  - name: Acme\n", `line 2: account #1: name: "Acme": use lower-case letters, digits, _ and - only`},
		{"accounts:\n  - name: a\n  - name: a\n", `line 3: account a: name: "a" is the name of an account above`},
		{"name: x\naccounts:\n  - name: a\n", "line 1: name: names an account of its own only without accounts: set name in each account"},
		// The line of the account's own key, else of the inherited one.
		{"accounts:\n  - name: a\n  - name: b\n    rate_limit: 0\n", "line 4: account b: rate_limit: must be between 0.01 and 1000 requests per second per action"},
		{"region: \"\"\naccounts:\n  - name: a\n", "line 1: account a: region: must not be empty"},
		{"accounts:\n  - name: a\n    page_size: 1.5\n", `line 3: page_size: want a whole number, got "1.5"`},
		{"accounts:\n  - name: a\n    regoin: x\n", `line 3: unknown key "regoin" (did you mean "region"?)`},
		{"accounts:\n  - name: a\n    accounts: []\n", `line 3: unknown key "accounts"`},
		{"accounts:\n  - name: a\n    include: \"(\"\n", "line 3: account a: include: missing closing ): `^(?:()$`"},
		{"accounts:\n  - name: a\n    projects: [p1]\n    exclude: x\n", "line 3: account a: projects: set projects (ids) or include/exclude (names of discovered projects), not both"},
		{"labels: {account: x}\n", `line 1: labels: "account" is a label of the exporter's own series`},
		{"labels: {project_id: x}\n", `line 1: labels: "project_id" is a label of the exporter's own series`},
		{"labels: {instance: x}\n", `line 1: labels: "instance" is a label of the exporter's own series`},
		{"labels: {__x: y}\n", `line 1: labels: "__x" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)`},
		{"labels: {cust-omer: y}\n", `line 1: labels: "cust-omer" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)`},
		{"labels: {customer: \"\"}\n", "line 1: labels.customer: empty value (a label with an empty value is no label)"},
		{"credentials: {secret_id_env: A_ID}\n", "line 1: credentials: set secret_id_env and secret_key_env together"},
		{"credentials: {secret_id_env: A_ID, secret_key_env: A_KEY, secret_id: x, secret_key: y}\n", "line 1: credentials: set secret_id_env or secret_id or cvm_role, one of them"},
		{"credentials: {secret_id_env: A-ID, secret_key_env: A_KEY}\n", `line 1: credentials: "A-ID" is not an environment variable name`},
	}
	for _, c := range cases {
		_, err := config.Parse([]byte(c.yaml), known)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q:\ngot  %v\nwant %s", c.yaml, err, c.want)
		}
	}
}

func TestCredentialsFromNamedVariables(t *testing.T) {
	t.Setenv("ACME_ID", "AKIDacme")
	t.Setenv("ACME_KEY", "acme-secret")
	t.Setenv("ACME_TOKEN", "acme-token")
	t.Setenv("GLOBEX_ID", "AKIDglobex")
	os.Unsetenv("GLOBEX_KEY")
	cfg, err := config.Parse([]byte(`accounts:
  - name: acme
    credentials: {secret_id_env: ACME_ID, secret_key_env: ACME_KEY, session_token_env: ACME_TOKEN}
  - name: globex
    credentials: {secret_id_env: GLOBEX_ID, secret_key_env: GLOBEX_KEY}
`), known)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Accounts[0].Resolve()
	if err != nil || c.GetSecretId() != "AKIDacme" || c.GetSecretKey() != "acme-secret" || c.GetToken() != "acme-token" {
		t.Fatalf("acme: %v", err)
	}
	src, _ := cfg.Accounts[0].CredentialSource()
	if src != "environment (ACME_ID, ACME_KEY, ACME_TOKEN)" {
		t.Fatalf("source = %q", src)
	}
	_, err = cfg.Accounts[1].Resolve()
	if err == nil || err.Error() != "credentials: the environment variable GLOBEX_KEY (secret_id_env/secret_key_env) is not set or empty" {
		t.Fatalf("globex: %v", err)
	}
	if strings.Contains(err.Error(), "AKIDglobex") {
		t.Fatal("the error shows a variable's value")
	}
}
