// Command trro_exporter exports Tencent Cloud TRRO (Real-time
// Teleoperation) session statistics, licenses and projects to Prometheus.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-kit/log/level"
	"github.com/prometheus/common/version"

	"github.com/trro-exporter/trro_exporter/config"
	"github.com/trro-exporter/trro_exporter/standin"
)

const name = "trro_exporter"

// defaultPort is in the exporters' range 9100-9999.
const defaultPort = ":9688"

// demoListen is where --demo listens without --web.listen-address.
const demoListen = "127.0.0.1:9688"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program; it returns the exit code when ctx ends or on
// error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, code := parseFlags(args, stderr)
	if f == nil {
		return code
	}
	logger, slogger := newLogger(stderr, &f.log)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	override := f.override
	f.demoOnLoopback()
	if f.demo {
		demo, err := startDemo(ctx)
		if err != nil {
			level.Error(logger).Log("msg", "cannot start demo stand-in", "err", err)
			return 1
		}
		level.Info(logger).Log("msg", "demo mode: exporting a simulated fleet from the in-process TRRO stand-in", "endpoint", demo.Endpoint)
		override = func(cfg *config.Config) {
			f.override(cfg)
			for i := range cfg.Accounts {
				cfg.Accounts[i].Endpoint, cfg.Accounts[i].Credentials = demo.Endpoint, demo.Credentials
			}
		}
	}

	a := newApp(ctx, logger, f.configFile, override)
	cfg, err := a.loadConfig()
	if f.configCheck || f.checkOffline {
		return runCheck(ctx, f, cfg, err, stdout, stderr)
	}
	if f.command == "backfill" {
		return runBackfill(ctx, f, cfg, err, stdout, stderr)
	}
	if err != nil {
		level.Error(logger).Log("msg", "invalid configuration", "err", err)
		return 1
	}

	level.Info(logger).Log("msg", "Starting "+name, "version", version.Info())
	level.Info(logger).Log("msg", "Build context", "build_context", version.BuildContext())
	if w := toolchainWarning(builtWith); w != "" {
		level.Warn(logger).Log("msg", "Go toolchain", "warning", w)
	}
	if err := a.start(cfg); err != nil {
		return 1
	}
	go a.reloadOnHUP(ctx)

	mux, err := newMux(f, a, slogger)
	if err != nil {
		level.Error(logger).Log("msg", "cannot build landing page", "err", err)
		return 1
	}
	return serve(ctx, mux, f.web, logger, slogger)
}

// demoAPI is where --demo's in-process stand-in listens and the key it takes.
type demoAPI struct {
	Endpoint    string
	Credentials config.Credentials
}

// startDemo starts the in-process stand-in with a throwaway key made up at
// start.
func startDemo(ctx context.Context) (demoAPI, error) {
	id, key := "AKIDdemo"+fmt.Sprint(time.Now().UnixNano()), fmt.Sprintf("demo-%x", time.Now().UnixNano())
	srv := standin.NewServer(nil, standin.Credential{SecretID: id, SecretKey: key})
	srv.Follow(standin.NewSimulation(standin.DefaultSpec, time.Now()))
	url, err := srv.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		return demoAPI{}, err
	}
	return demoAPI{Endpoint: url, Credentials: config.Credentials{SecretID: id, SecretKey: config.Secret(key)}}, nil
}
