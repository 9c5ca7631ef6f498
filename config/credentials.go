package config

import (
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

// CredentialSource says where Resolve would take credentials from, without
// touching the network; it never includes a secret.
func (c *Account) CredentialSource() (string, error) {
	cr := c.Credentials
	var src string
	switch {
	case cr.SecretID != "" && cr.SecretKeyFile != "":
		src = "config file (secret_id, secret_key_file " + cr.SecretKeyFile + ")"
	case cr.SecretID != "":
		src = "config file (secret_id, secret_key)"
	case cr.CVMRole != "":
		src = "CVM role " + cr.CVMRole
	case cr.SecretIDEnv != "":
		for _, env := range []string{cr.SecretIDEnv, cr.SecretKeyEnv} {
			if os.Getenv(env) == "" {
				return "", fmt.Errorf("credentials: the environment variable %s (secret_id_env/secret_key_env) is not set or empty", env)
			}
		}
		src = "environment (" + cr.SecretIDEnv + ", " + cr.SecretKeyEnv + ")"
		if cr.SessionTokenEnv != "" {
			src = "environment (" + cr.SecretIDEnv + ", " + cr.SecretKeyEnv + ", " + cr.SessionTokenEnv + ")"
		}
	default:
		id, okID := os.LookupEnv(EnvSecretID)
		key, okKey := os.LookupEnv(EnvSecretKey)
		switch {
		case okID && id != "" && okKey && key != "":
			src = "environment (" + EnvSecretID + ", " + EnvSecretKey + ")"
			if os.Getenv(EnvSessionToken) != "" {
				src = "environment (" + EnvSecretID + ", " + EnvSecretKey + ", " + EnvSessionToken + ")"
			}
		case okID != okKey || (okID && (id == "") != (key == "")):
			missing := EnvSecretKey
			if id == "" {
				missing = EnvSecretID
			}
			return "", fmt.Errorf("credentials: %s is not set or empty while the other Tencent Cloud variable is set", missing)
		default:
			if _, err := common.DefaultProfileProvider().GetCredential(); err == nil {
				src = "SDK profile file"
			} else {
				return "", ErrNoCredentials
			}
		}
	}
	if cr.RoleARN != "" {
		src += ", assuming role " + cr.RoleARN
	}
	return src, nil
}

// Resolve returns the credential requests are signed with. CVM roles and
// role ARNs are resolved here, once, so that a missing role fails at start.
func (c *Account) Resolve() (common.CredentialIface, error) {
	if _, err := c.CredentialSource(); err != nil {
		return nil, err
	}
	cr := c.Credentials
	var cred common.CredentialIface
	switch {
	case cr.SecretID != "":
		key := cr.SecretKey.Value()
		if cr.SecretKeyFile != "" {
			b, err := readFile(cr.SecretKeyFile, maxKeyBytes)
			if err != nil {
				return nil, fmt.Errorf("credentials: secret_key_file: %w", err)
			}
			key = strings.TrimSpace(string(b))
			if key == "" {
				return nil, fmt.Errorf("credentials: secret_key_file %s %w", cr.SecretKeyFile, errEmptyKey)
			}
		}
		cred = common.NewTokenCredential(cr.SecretID, key, cr.SessionToken.Value())
	case cr.CVMRole != "":
		role := cr.CVMRole
		if role == "auto" {
			role = ""
		}
		cv, err := common.NewCvmRoleProvider(role).GetCredential()
		if err != nil {
			return nil, fmt.Errorf("credentials: CVM role: %s", sdkMessage(err))
		}
		cred = cv
	case cr.SecretIDEnv != "":
		token := ""
		if cr.SessionTokenEnv != "" {
			token = os.Getenv(cr.SessionTokenEnv)
		}
		cred = common.NewTokenCredential(os.Getenv(cr.SecretIDEnv), os.Getenv(cr.SecretKeyEnv), token)
	case os.Getenv(EnvSecretID) != "":
		cred = common.NewTokenCredential(os.Getenv(EnvSecretID), os.Getenv(EnvSecretKey), os.Getenv(EnvSessionToken))
	default:
		pc, err := common.DefaultProfileProvider().GetCredential()
		if err != nil {
			return nil, fmt.Errorf("credentials: profile file: %s", sdkMessage(err))
		}
		cred = pc
	}
	if cr.RoleARN != "" {
		name := cr.RoleSessionName
		if name == "" {
			name = "trro-exporter"
		}
		rc, err := common.NewRoleArnProviderWithCredential(cred, cr.RoleARN, name, 7200).GetCredential()
		if err != nil {
			return nil, fmt.Errorf("credentials: assume role %s: %s", cr.RoleARN, sdkMessage(err))
		}
		cred = rc
	}
	return cred, nil
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
