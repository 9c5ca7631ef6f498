package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/trro-exporter/trro_exporter/collector"
	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/trro"
)

// app owns the configuration, as blackbox's SafeConfig does: loading it,
// reloading it (keeping the running one when the new one is bad), the
// reload metrics, and per account its API client and exporter. Scrapes
// take the current accounts when they start, so a reload never changes a
// scrape in flight.
type app struct {
	// ctx ends the credential checks when the program stops.
	ctx        context.Context
	logger     log.Logger
	configFile string
	// override applies flags (and --demo) over every loaded config.
	override func(*config.Config)

	reloadMu sync.Mutex
	current  atomic.Pointer[state]
	// apiMetrics are each account's API counters, kept across reloads while
	// the account stays. Guarded by reloadMu.
	apiMetrics map[string]*collector.APIMetrics
	reloadOK   prometheus.Gauge
	reloadTime prometheus.Gauge
}

type state struct {
	cfg      *config.Config
	accounts []*account // in the config's order
}

// account is one account's client and exporter.
type account struct {
	cfg      config.Account
	cred     [3]string // the resolved key, to tell a rotated one on reload
	client   *trro.Client
	exporter *collector.Exporter
}

func newApp(ctx context.Context, logger log.Logger, configFile string, override func(*config.Config)) *app {
	return &app{
		ctx: ctx, logger: logger, configFile: configFile, override: override,
		apiMetrics: map[string]*collector.APIMetrics{},
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "trro_exporter", Subsystem: "config", Name: "last_reload_successful",
			Help: "1 if the last configuration load or reload succeeded, else 0.",
		}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "trro_exporter", Subsystem: "config", Name: "last_reload_success_timestamp_seconds",
			Help: "When the configuration was last loaded successfully, as a Unix timestamp.",
		}),
	}
}

// loadConfig reads the config file (or the defaults) and applies the flags.
func (a *app) loadConfig() (*config.Config, error) {
	cfg := config.Default(collector.Schema())
	if a.configFile != "" {
		var err error
		if cfg, err = config.LoadFile(a.configFile, collector.Schema()); err != nil {
			return nil, err
		}
	}
	a.override(cfg)
	if err := cfg.Validate(collector.Schema()); err != nil {
		return nil, err
	}
	return cfg, nil
}

// build makes what each account of cfg needs. An account whose settings
// and resolved key are those of an account in old keeps old's client and
// exporter, and with them its rate limits, caches and cursors. The
// accounts built anew are returned in fresh.
func (a *app) build(cfg *config.Config, old *state) (rt *state, fresh []*account, err error) {
	rt = &state{cfg: cfg}
	defer func() {
		if err != nil {
			for _, acc := range fresh {
				acc.client.Close()
			}
			fresh = nil
		}
	}()
	if err := config.SharedKeys(cfg.Accounts); err != nil {
		return nil, nil, err
	}
	for _, ac := range cfg.Accounts {
		acc, reused, err := a.buildAccount(ac, old)
		if err != nil {
			if len(cfg.Accounts) > 1 {
				err = fmt.Errorf("account %s: %w", ac.Name, err)
			}
			return nil, fresh, err
		}
		if !reused {
			fresh = append(fresh, acc)
		}
		rt.accounts = append(rt.accounts, acc)
	}
	return rt, fresh, nil
}

func (a *app) buildAccount(ac config.Account, old *state) (acc *account, reused bool, err error) {
	cred, err := ac.Resolve()
	if err != nil {
		return nil, false, err
	}
	if old != nil {
		for _, o := range old.accounts {
			if o.cfg.Name == ac.Name && o.cred == credKey(cred) && reflect.DeepEqual(o.cfg, ac) {
				// A reload asks again what the API refused before.
				o.exporter.ForgetRefusals()
				return o, true, nil
			}
		}
	}
	api := a.apiMetrics[ac.Name]
	if api == nil {
		api = collector.NewAPIMetrics()
	}
	acc, err = newAccount(ac, cred, api, log.With(a.logger, "account", ac.Name))
	return acc, false, err
}

// newAccount builds an account's API client and exporter, signing with
// cred, as the server and --config.check use them; api (nil: none) counts
// its calls.
func newAccount(ac config.Account, cred common.CredentialIface, api *collector.APIMetrics, logger log.Logger) (*account, error) {
	opts := ac.ClientOptions(cred)
	if api != nil {
		opts.Observe = api.Observe
	}
	client, err := trro.NewClient(opts)
	if err != nil {
		return nil, err
	}
	exporter := collector.New(ac, collector.Deps{API: client, APIMetrics: api, Logger: logger})
	return &account{cfg: ac, cred: credKey(cred), client: client, exporter: exporter}, nil
}

// credKey is the resolved key, to tell a rotated one on reload.
func credKey(cred common.CredentialIface) [3]string {
	return [3]string{cred.GetSecretId(), cred.GetSecretKey(), cred.GetToken()}
}

// reload loads the config and swaps it in; on any error the running config
// stays.
func (a *app) reload() error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	cfg, err := a.loadConfig()
	return a.applyLocked(cfg, err)
}

// start swaps in the config read at start, so that the file is read once
// (a second read of a pipe would find it empty).
func (a *app) start(cfg *config.Config) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	return a.applyLocked(cfg, nil)
}

// applyLocked builds what cfg needs and swaps it in; err is the loading
// error, if any. Called with reloadMu held.
func (a *app) applyLocked(cfg *config.Config, err error) error {
	old := a.current.Load()
	var next *state
	var fresh []*account
	if err == nil {
		next, fresh, err = a.build(cfg, old)
	}
	if err != nil {
		a.reloadOK.Set(0)
		msg := "configuration not loaded; the previous one stays in use"
		if old == nil {
			msg = "configuration not loaded"
		}
		level.Error(a.logger).Log("msg", msg, "err", err)
		return err
	}
	for _, acc := range fresh {
		go a.checkCredentials(acc)
	}
	a.current.Store(next)
	// Counters live as long as their account; a removed account's series
	// go with its exporter.
	kept := map[string]*collector.APIMetrics{}
	for _, acc := range next.accounts {
		kept[acc.cfg.Name] = acc.exporter.APIMetrics()
	}
	a.apiMetrics = kept
	if old != nil {
		for _, o := range old.accounts {
			if !slices.Contains(next.accounts, o) {
				// Scrapes in flight keep their connections; idle ones can go.
				o.client.Close()
			}
		}
	}
	a.reloadOK.Set(1)
	a.reloadTime.SetToCurrentTime()
	for _, acc := range next.accounts {
		state := "kept"
		if slices.Contains(fresh, acc) {
			state = "loaded"
		}
		level.Info(a.logger).Log("msg", "configuration "+state, "file", a.configFile, "account", acc.cfg.Name,
			"endpoint", acc.cfg.Endpoint, "collectors", fmt.Sprint(collector.Enabled(&acc.cfg)))
	}
	return nil
}

// exporters are the current accounts' exporters, none before the first
// load.
func (a *app) exporters() []*collector.Exporter {
	rt := a.current.Load()
	if rt == nil {
		return nil
	}
	out := make([]*collector.Exporter, len(rt.accounts))
	for i, acc := range rt.accounts {
		out[i] = acc.exporter
	}
	return out
}

// metrics are the reload metrics, for the exporter's own registry.
func (a *app) metrics() []prometheus.Collector {
	return []prometheus.Collector{a.reloadOK, a.reloadTime}
}

// reloadHandler serves POST /-/reload.
func (a *app) reloadHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "This endpoint requires a POST request.", http.StatusMethodNotAllowed)
		return
	}
	if err := a.reload(); err != nil {
		http.Error(w, "failed to reload config: "+err.Error(), http.StatusInternalServerError)
		return
	}
	io.WriteString(w, "config reloaded\n")
}

// reloadOnHUP reloads the configuration on every SIGHUP until ctx ends.
func (a *app) reloadOnHUP(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			level.Info(a.logger).Log("msg", "SIGHUP: reloading configuration")
			_ = a.reload()
		case <-ctx.Done():
			return
		}
	}
}
