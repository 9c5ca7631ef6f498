package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/trro-exporter/trro_exporter/standin"
)

// standIn serves a fleet with one project, named after the stand-in.
func standIn(t *testing.T, project, id, key string) (*standin.Server, string) {
	t.Helper()
	f := &standin.Fleet{Projects: []standin.Project{{ID: project, Name: project, PolicyMode: "black"}}}
	srv := standin.NewServer(f, standin.Credential{SecretID: id, SecretKey: key})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts.URL
}

func writeConfig(t *testing.T, path, endpoint, id, key string) {
	t.Helper()
	cfg := "endpoint: " + endpoint + "\ncredentials:\n  secret_id: " + id + "\n  secret_key: " + key + "\ncollectors: {licenses: false, devices: false, device_status: false, recent_sessions: false, license_summary: false, sessions: false}\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

func post(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := client.Post(url, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestReloadSwapsEndpointAndCredentials(t *testing.T) {
	noCredsEnv(t)
	srvA, urlA := standIn(t, "project-from-a", "AKIDa", "key-a-secret")
	_, urlB := standIn(t, "project-from-b", "AKIDb", "key-b-secret")
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	writeConfig(t, cfgPath, urlA, "AKIDa", "key-a-secret")
	url, logs := startExporter(t, "--config.file="+cfgPath)

	if body := get(t, url+"/metrics"); !strings.Contains(body, "project-from-a") || !strings.Contains(body, "trro_exporter_config_last_reload_successful 1") {
		t.Fatalf("first config not serving:\n%s", body)
	}
	if ready := get(t, url+"/-/ready"); ready != "Ready\n" {
		t.Fatalf("ready: %q", ready)
	}

	// A scrape in flight when the config changes finishes on the old one:
	// stand-in A holds its requests until the reload is done.
	gate := make(chan struct{})
	srvA.OnRequest(func(ctx context.Context, _ string) {
		select {
		case <-gate:
		case <-ctx.Done():
		}
	})
	inflight := make(chan string)
	go func() {
		resp, err := client.Get(url + "/metrics")
		if err != nil {
			inflight <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		inflight <- string(b)
	}()
	for deadline := time.Now().Add(20 * time.Second); srvA.InFlight() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the scrape never reached stand-in A")
		}
	}

	writeConfig(t, cfgPath, urlB, "AKIDb", "key-b-secret")
	code, msg := post(t, url+"/-/reload")
	close(gate)
	if code != 200 {
		t.Fatalf("reload: %d %s", code, msg)
	}
	if body := <-inflight; !strings.Contains(body, "project-from-a") || !strings.Contains(body, `trro_up{account="default"} 1`) {
		t.Fatalf("in-flight scrape did not finish on the old config:\n%s", body)
	}
	body := get(t, url+"/metrics")
	if !strings.Contains(body, "project-from-b") || strings.Contains(body, "project-from-a") || !strings.Contains(body, `trro_up{account="default"} 1`) {
		t.Fatalf("new endpoint and key not in use:\n%s", body)
	}

	// A broken config is refused; the running one stays.
	os.WriteFile(cfgPath, []byte("endpoint: "+urlA+"\nscrape_timeout: never\n"), 0o600)
	code, msg = post(t, url+"/-/reload")
	if code != 500 || !strings.Contains(msg, `line 2: invalid duration "never"`) {
		t.Fatalf("bad reload: %d %q", code, msg)
	}
	body = get(t, url+"/metrics")
	if !strings.Contains(body, "project-from-b") || !strings.Contains(body, "trro_exporter_config_last_reload_successful 0") {
		t.Fatalf("after a bad reload:\n%s", body)
	}

	// Only POST reloads.
	resp, err := client.Get(url + "/-/reload")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET /-/reload: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}

	// SIGHUP reloads too.
	writeConfig(t, cfgPath, urlA, "AKIDa", "key-a-secret")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		body = get(t, url+"/metrics")
		if strings.Contains(body, "project-from-a") && strings.Contains(body, "trro_exporter_config_last_reload_successful 1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not reload:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(body, "trro_exporter_config_last_reload_success_timestamp_seconds ") {
		t.Error("no reload timestamp")
	}
	for _, secret := range []string{"key-a-secret", "key-b-secret"} {
		if strings.Contains(logs.String(), secret) || strings.Contains(msg, secret) {
			t.Fatalf("secret %s leaked", secret)
		}
	}
}

// certs writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, all signed by the CA.
func certs(t *testing.T, dir string) (caPool *x509.CertPool, clientCert tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(name string, serial int64, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour),
			NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature, IPAddresses: ips}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kb, _ := x509.MarshalECPrivateKey(key)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	}
	srvCert, srvKey := issue("127.0.0.1", 2, x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	cliCert, cliKey := issue("prometheus", 3, x509.ExtKeyUsageClientAuth, nil)
	os.WriteFile(filepath.Join(dir, "ca.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600)
	os.WriteFile(filepath.Join(dir, "server.crt"), srvCert, 0o600)
	os.WriteFile(filepath.Join(dir, "server.key"), srvKey, 0o600)
	caPool = x509.NewCertPool()
	caPool.AddCert(ca)
	clientCert, err = tls.X509KeyPair(cliCert, cliKey)
	if err != nil {
		t.Fatal(err)
	}
	return caPool, clientCert
}

func TestTLSClientCertsAndBasicAuth(t *testing.T) {
	noCredsEnv(t)
	_, api := standIn(t, "tls-project", "AKIDtls", "tls-secret")
	t.Setenv("TENCENTCLOUD_SECRET_ID", "AKIDtls")
	t.Setenv("TENCENTCLOUD_SECRET_KEY", "tls-secret")
	dir := t.TempDir()
	pool, clientCert := certs(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("right-password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webCfg := filepath.Join(dir, "web.yml")
	os.WriteFile(webCfg, []byte("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\nbasic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600)

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var errb lockedBuffer
	go func() {
		done <- run(ctx, []string{"--web.listen-address=" + addr, "--web.config.file=" + webCfg, "--tencentcloud.endpoint=" + api}, &lockedBuffer{}, &errb)
	}()
	defer func() { cancel(); <-done }()

	mk := func(withCert bool) *http.Client {
		cfg := &tls.Config{RootCAs: pool}
		if withCert {
			cfg.Certificates = []tls.Certificate{clientCert}
		}
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}
	}
	do := func(c *http.Client, user, pass string) (int, string, error) {
		req, _ := http.NewRequest("GET", "https://"+addr+"/metrics", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	var code int
	var body string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		if code, body, err = do(mk(true), "prometheus", "right-password"); err == nil {
			break
		}
	}
	if code != 200 || !strings.Contains(body, "tls-project") {
		t.Fatalf("right cert and password: %d %v\n%s\n%s", code, err, body, errb.String())
	}
	if code, _, err := do(mk(true), "prometheus", "wrong-password"); err != nil || code != 401 {
		t.Errorf("wrong password: %d %v", code, err)
	}
	if code, _, err := do(mk(true), "", ""); err != nil || code != 401 {
		t.Errorf("no password: %d %v", code, err)
	}
	if _, _, err := do(mk(false), "prometheus", "right-password"); err == nil {
		t.Error("a client without a certificate was let in")
	}
	if resp, err := client.Get("http://" + addr + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP served metrics")
		}
	}
}

// A FIFO or a device as the config refuses to start, at once and saying
// why, instead of hanging or running on defaults; the same on reload keeps
// the running config serving and the process alive.
func TestSpecialFilesAsConfig(t *testing.T) {
	noCredsEnv(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "config.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, "/dev/zero"} {
		start := time.Now()
		code, _, stderr := runOnce(t, "--config.file="+path)
		if code != 1 || !strings.Contains(stderr, "not a regular file") || strings.Contains(stderr, "previous one stays") {
			t.Errorf("%s: exit %d: %s", path, code, stderr)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("%s: refused after %v", path, el)
		}
	}

	// A key file that is a FIFO or a device refuses start-up too.
	for _, key := range []string{fifo, "/dev/zero"} {
		cfg := filepath.Join(dir, "key-cfg.yml")
		os.WriteFile(cfg, []byte("credentials: {secret_id: AKIDs, secret_key_file: "+key+"}\n"), 0o600)
		start := time.Now()
		code, _, stderr := runOnce(t, "--config.file="+cfg)
		if code != 1 || !strings.Contains(stderr, "not a regular file") || time.Since(start) > 5*time.Second {
			t.Errorf("key file %s: exit %d after %v: %s", key, code, time.Since(start), stderr)
		}
	}

	srv, api := standIn(t, "project-special", "AKIDs", "key-s-secret")
	_ = srv
	cfgPath := filepath.Join(dir, "config.yml")
	writeConfig(t, cfgPath, api, "AKIDs", "key-s-secret")
	url, _ := startExporter(t, "--config.file="+cfgPath)
	for _, bad := range []string{fifo, "/dev/zero"} {
		os.Remove(cfgPath)
		if err := os.Symlink(bad, cfgPath); err != nil {
			t.Fatal(err)
		}
		if code, msg := post(t, url+"/-/reload"); code != 500 || !strings.Contains(msg, "not a regular file") {
			t.Errorf("reload from %s: %d %q", bad, code, msg)
		}
		if body := get(t, url+"/metrics"); !strings.Contains(body, "project-special") || !strings.Contains(body, "trro_exporter_config_last_reload_successful 0") {
			t.Errorf("after a reload from %s the old config should serve:\n%s", bad, body)
		}
	}
	// The same for the key file: a FIFO or a device as secret_key_file.
	for _, bad := range []string{fifo, "/dev/zero"} {
		os.Remove(cfgPath)
		os.WriteFile(cfgPath, []byte("endpoint: "+api+"\ncredentials: {secret_id: AKIDs, secret_key_file: "+bad+"}\n"), 0o600)
		if code, msg := post(t, url+"/-/reload"); code != 500 || !strings.Contains(msg, "secret_key_file") || !strings.Contains(msg, "not a regular file") {
			t.Errorf("reload with key file %s: %d %q", bad, code, msg)
		}
		if body := get(t, url+"/metrics"); !strings.Contains(body, "project-special") {
			t.Errorf("after a reload with key file %s the old config should serve", bad)
		}
	}
}

// Ready means the config is loaded and the API takes its credentials: a
// rejected key makes /-/ready answer 503 (from the check at load, before
// any scrape), and a fixed key on reload makes it ready again.
func TestReadinessFollowsAuthentication(t *testing.T) {
	noCredsEnv(t)
	_, api := standIn(t, "project-ready", "AKIDr", "key-r-secret")
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	writeConfig(t, cfgPath, api, "AKIDr", "a-wrong-key")
	url, _ := startExporter(t, "--config.file="+cfgPath)
	status := func() (int, string) {
		resp, err := client.Get(url + "/-/ready")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(20 * time.Second)
	for code, body := status(); code != 503 || !strings.Contains(body, "AuthFailure.SignatureFailure"); code, body = status() {
		if time.Now().After(deadline) {
			t.Fatalf("with a wrong key: %d %q", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	writeConfig(t, cfgPath, api, "AKIDr", "key-r-secret")
	if code, msg := post(t, url+"/-/reload"); code != 200 {
		t.Fatalf("reload: %d %s", code, msg)
	}
	get(t, url+"/metrics")
	if code, body := status(); code != 200 {
		t.Fatalf("with the right key: %d %q", code, body)
	}
}
