package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-kit/log/level"

	"github.com/trro-exporter/trro_exporter/trro"
)

// readyHandler serves /-/ready: ready once a config is loaded and the API
// takes the credentials of at least one account (checked at load and in
// every round). With one account, that one; with several, an account whose
// key is rejected reports itself in trro_up and is named here, but does not
// make the others unready.
func (a *app) readyHandler(w http.ResponseWriter, _ *http.Request) {
	rt := a.current.Load()
	if rt == nil {
		http.Error(w, "Not ready: no configuration loaded.", http.StatusServiceUnavailable)
		return
	}
	var rejected []string
	code := ""
	for _, acc := range rt.accounts {
		if code = acc.exporter.Rejected(); code != "" {
			rejected = append(rejected, acc.cfg.Name+" ("+code+")")
		}
	}
	switch {
	case len(rt.accounts) == 1 && len(rejected) == 1:
		http.Error(w, "Not ready: the TRRO API rejects the credentials ("+code+").", http.StatusServiceUnavailable)
	case len(rejected) == len(rt.accounts):
		http.Error(w, "Not ready: the TRRO API rejects the credentials of every account: "+strings.Join(rejected, ", ")+".", http.StatusServiceUnavailable)
	case len(rejected) > 0:
		io.WriteString(w, "Ready; the TRRO API rejects the credentials of: "+strings.Join(rejected, ", ")+"\n")
	default:
		io.WriteString(w, "Ready\n")
	}
}

// checkCredentials asks the API one small question with an account's
// credentials, so that readiness knows of a rejected key before the first
// scrape.
func (a *app) checkCredentials(acc *account) {
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	_, err := acc.client.Total(ctx, trro.ActionDescribeProjectList, trro.ListQuery{})
	if e, ok := trro.AsError(err); ok && e.CredentialsRejected() {
		acc.exporter.MarkRejected(e.Code)
		level.Error(a.logger).Log("msg", "the TRRO API rejects the credentials; not ready", "account", acc.cfg.Name, "code", e.Code, "request_id", e.RequestID)
	}
}
