package standin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// authorization is a TC3-HMAC-SHA256 Authorization header, parsed.
type authorization struct {
	secretID, date, signedHeaders, signature string
}

// parseAuthorization reads the header's fields and checks the scope.
func parseAuthorization(header string) (authorization, *apiError) {
	const algo = "TC3-HMAC-SHA256 "
	if !strings.HasPrefix(header, algo) {
		return authorization{}, errf("AuthFailure.SignatureFailure", "The provided credentials could not be validated because of an unsupported or missing Authorization header.")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(header, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 4 || cred[2] != "trro" || cred[3] != "tc3_request" {
		return authorization{}, errf("AuthFailure.SignatureFailure", "The Credential scope of the Authorization header is malformed.")
	}
	return authorization{secretID: cred[0], date: cred[1], signedHeaders: fields["SignedHeaders"], signature: fields["Signature"]}, nil
}

// authenticate checks the TC3-HMAC-SHA256 signature the way the API does.
func (s *Server) authenticate(r *http.Request, body []byte) *apiError {
	a, aerr := parseAuthorization(r.Header.Get("Authorization"))
	if aerr != nil {
		return aerr
	}
	var key *Credential
	for i := range s.Credentials {
		if s.Credentials[i].SecretID == a.secretID {
			key = &s.Credentials[i]
		}
	}
	if key == nil {
		return errf("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.")
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return errf("AuthFailure.SignatureFailure", "X-TC-Timestamp is missing or malformed.")
	}
	authNow := time.Now
	if s.AuthNow != nil {
		authNow = s.AuthNow
	}
	if d := authNow().Unix() - ts; d > 300 || d < -300 {
		return errf("AuthFailure.SignatureExpire", "Signature expired: the request timestamp is more than five minutes off the server time.")
	}
	if a.date != time.Unix(ts, 0).UTC().Format("2006-01-02") {
		return errf("AuthFailure.SignatureFailure", "The credential date does not match X-TC-Timestamp.")
	}
	if !hmac.Equal([]byte(signature(r, body, a, ts, key.SecretKey)), []byte(a.signature)) {
		return errf("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
	}
	if key.Token != "" && r.Header.Get("X-TC-Token") != key.Token {
		return errf("AuthFailure.TokenFailure", "The token is invalid or expired.")
	}
	return nil
}

// signature is the signature of r, signed at ts with secretKey, as the
// API computes it.
func signature(r *http.Request, body []byte, a authorization, ts int64, secretKey string) string {
	var canonHeaders strings.Builder
	for _, h := range strings.Split(a.signedHeaders, ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canonHeaders.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	payload := sha256.Sum256(body)
	canonical := strings.Join([]string{r.Method, "/", r.URL.RawQuery, canonHeaders.String(), a.signedHeaders, hex.EncodeToString(payload[:])}, "\n")
	hc := sha256.Sum256([]byte(canonical))
	scope := a.date + "/trro/tc3_request"
	toSign := strings.Join([]string{"TC3-HMAC-SHA256", strconv.FormatInt(ts, 10), scope, hex.EncodeToString(hc[:])}, "\n")
	k := mac([]byte("TC3"+secretKey), a.date)
	k = mac(k, "trro")
	k = mac(k, "tc3_request")
	return hex.EncodeToString(mac(k, toSign))
}

func mac(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}
