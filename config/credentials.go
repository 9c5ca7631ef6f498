package config

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// Env names the SDK and the exporter read credentials from.
const (
	EnvSecretID     = "TENCENTCLOUD_SECRET_ID"
	EnvSecretKey    = "TENCENTCLOUD_SECRET_KEY"
	EnvSessionToken = "TENCENTCLOUD_SESSION_TOKEN"
)

// ErrNoCredentials is returned when no source holds credentials.
var ErrNoCredentials = errors.New("no Tencent Cloud credentials: set " + EnvSecretID + " and " + EnvSecretKey +
	", or credentials.secret_id with credentials.secret_key or secret_key_file in the config file," +
	" or credentials.cvm_role, or write the SDK profile file ~/.tencentcloud/credentials")

// source is where an account's credentials come from.
type source int

const (
	fromConfig   source = iota // secret_id with secret_key or secret_key_file
	fromCVMRole                // cvm_role
	fromNamedEnv               // secret_id_env / secret_key_env
	fromEnv                    // TENCENTCLOUD_SECRET_ID / _KEY
	fromProfile                // the SDK's profile file
)

// source is the one statement of the credentials' precedence: the config
// file's key, a CVM role, named variables, the standard variables, the
// profile file. It fails when the source it picks is incomplete.
func (c *Account) source() (source, error) {
	cr := c.Credentials
	switch {
	case cr.SecretID != "":
		return fromConfig, nil
	case cr.CVMRole != "":
		return fromCVMRole, nil
	case cr.SecretIDEnv != "":
		for _, env := range []string{cr.SecretIDEnv, cr.SecretKeyEnv} {
			if os.Getenv(env) == "" {
				return 0, fmt.Errorf("credentials: the environment variable %s (secret_id_env/secret_key_env) is not set or empty", env)
			}
		}
		return fromNamedEnv, nil
	}
	id, okID := os.LookupEnv(EnvSecretID)
	key, okKey := os.LookupEnv(EnvSecretKey)
	switch {
	case okID && id != "" && okKey && key != "":
		return fromEnv, nil
	case okID != okKey || (okID && (id == "") != (key == "")):
		missing := EnvSecretKey
		if id == "" {
			missing = EnvSecretID
		}
		return 0, fmt.Errorf("credentials: %s is not set or empty while the other Tencent Cloud variable is set", missing)
	}
	if _, err := common.DefaultProfileProvider().GetCredential(); err != nil {
		return 0, ErrNoCredentials
	}
	return fromProfile, nil
}

// CredentialSource says where Resolve would take credentials from, without
// touching the network; it never includes a secret.
func (c *Account) CredentialSource() (string, error) {
	src, err := c.source()
	if err != nil {
		return "", err
	}
	cr := c.Credentials
	var desc string
	switch src {
	case fromConfig:
		desc = "config file (secret_id, secret_key)"
		if cr.SecretKeyFile != "" {
			desc = "config file (secret_id, secret_key_file " + cr.SecretKeyFile + ")"
		}
	case fromCVMRole:
		desc = "CVM role " + cr.CVMRole
	case fromNamedEnv:
		desc = "environment (" + strings.Join(nonEmpty(cr.SecretIDEnv, cr.SecretKeyEnv, cr.SessionTokenEnv), ", ") + ")"
	case fromEnv:
		vars := []string{EnvSecretID, EnvSecretKey}
		if os.Getenv(EnvSessionToken) != "" {
			vars = append(vars, EnvSessionToken)
		}
		desc = "environment (" + strings.Join(vars, ", ") + ")"
	case fromProfile:
		desc = "SDK profile file"
	}
	if cr.RoleARN != "" {
		desc += ", assuming role " + cr.RoleARN
	}
	return desc, nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Resolve returns the credential requests are signed with. CVM roles and
// role ARNs are resolved here, once, so that a missing role fails at start.
func (c *Account) Resolve() (common.CredentialIface, error) {
	src, err := c.source()
	if err != nil {
		return nil, err
	}
	cred, err := c.resolve(src)
	if err != nil || c.Credentials.RoleARN == "" {
		return cred, err
	}
	name := cmp.Or(c.Credentials.RoleSessionName, "trro-exporter")
	rc, err := common.NewRoleArnProviderWithCredential(cred, c.Credentials.RoleARN, name, 7200).GetCredential()
	if err != nil {
		return nil, fmt.Errorf("credentials: assume role %s: %s", c.Credentials.RoleARN, sdkMessage(err))
	}
	return rc, nil
}

// resolve reads the key from src.
func (c *Account) resolve(src source) (common.CredentialIface, error) {
	cr := c.Credentials
	switch src {
	case fromConfig:
		key := cr.SecretKey.Value()
		if cr.SecretKeyFile != "" {
			b, err := readFile(cr.SecretKeyFile, maxKeyBytes)
			if err != nil {
				return nil, fmt.Errorf("credentials: secret_key_file: %w", err)
			}
			if key = strings.TrimSpace(string(b)); key == "" {
				return nil, fmt.Errorf("credentials: secret_key_file %s %w", cr.SecretKeyFile, errEmptyKey)
			}
		}
		return common.NewTokenCredential(cr.SecretID, key, cr.SessionToken.Value()), nil
	case fromCVMRole:
		role := cr.CVMRole
		if role == "auto" {
			role = ""
		}
		cv, err := common.NewCvmRoleProvider(role).GetCredential()
		if err != nil {
			return nil, fmt.Errorf("credentials: CVM role: %s", sdkMessage(err))
		}
		return cv, nil
	case fromNamedEnv:
		token := ""
		if cr.SessionTokenEnv != "" {
			token = os.Getenv(cr.SessionTokenEnv)
		}
		return common.NewTokenCredential(os.Getenv(cr.SecretIDEnv), os.Getenv(cr.SecretKeyEnv), token), nil
	case fromEnv:
		return common.NewTokenCredential(os.Getenv(EnvSecretID), os.Getenv(EnvSecretKey), os.Getenv(EnvSessionToken)), nil
	}
	pc, err := common.DefaultProfileProvider().GetCredential()
	if err != nil {
		return nil, fmt.Errorf("credentials: profile file: %s", sdkMessage(err))
	}
	return pc, nil
}

// sdkMessage keeps only the SDK error's message: its other fields can hold
// request details we do not want in logs.
func sdkMessage(err error) string {
	var e interface{ GetMessage() string }
	if errors.As(err, &e) {
		return e.GetMessage()
	}
	return err.Error()
}

// SharedKeys refuses two accounts that sign with the same key (the same
// secret id) on the same endpoint: the API's rate limits are per key, so
// two accounts would each spend them in full. Keys assumed through a role
// or from a CVM role are temporary and not compared; accounts whose key
// cannot be read are left to their own error.
func SharedKeys(accounts []Account) error {
	seen := map[[2]string]string{} // endpoint, secret id → account
	for i := range accounts {
		a := &accounts[i]
		src, err := a.source()
		if err != nil || src == fromCVMRole || a.Credentials.RoleARN != "" {
			continue
		}
		cred, err := a.resolve(src)
		if err != nil {
			continue
		}
		id := cred.GetSecretId()
		k := [2]string{a.Endpoint, id}
		if other, ok := seen[k]; ok {
			shown := id
			if len(shown) > 8 {
				shown = shown[:8] + "…"
			}
			return fmt.Errorf("accounts %s and %s sign with the same key (secret id %s) on %s: the API's rate limits are per key, so together they would make twice the calls it allows: use one account for the key, or a key of its own for each",
				other, a.Name, shown, a.Endpoint)
		}
		seen[k] = a.Name
	}
	return nil
}
