// Command trro-standin serves the standin stand-in TRRO API on its own, for
// trying the exporter binary without a Tencent Cloud account and for
// benchmarks. It accepts the key pair in TENCENTCLOUD_SECRET_ID /
// TENCENTCLOUD_SECRET_KEY. GET /stats tells the calls served and the fewest
// that could have served them; POST /stats/reset clears them.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/trro-exporter/trro_exporter/standin"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to serve on")
	projects := flag.Int("projects", standin.DefaultSpec.Projects, "projects in the generated fleet")
	devices := flag.Int("devices-per-project", standin.DefaultSpec.DevicesPerProject, "devices per project")
	licenses := flag.Int("license-groups", 0, "license groups (GetLicenses items); 0 for the demo's eight")
	sessions := flag.Int("sessions-per-device", standin.DefaultSpec.SessionsPerDevice, "sessions per field device")
	latency := flag.Duration("latency", 0, "delay added to every answer")
	live := flag.Int("live-sessions", 0, "live sessions (0: as generated)")
	simulate := flag.Bool("simulation", false, "serve the moving fleet of --demo (sessions scheduled over the last 93 days, so that the past can be backfilled) instead of a generated one")
	flag.Parse()

	id, key := os.Getenv("TENCENTCLOUD_SECRET_ID"), os.Getenv("TENCENTCLOUD_SECRET_KEY")
	if id == "" || key == "" {
		fmt.Fprintln(os.Stderr, "trro-standin: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to the key pair it should accept")
		os.Exit(2)
	}
	spec := standin.DefaultSpec
	spec.Projects, spec.DevicesPerProject = *projects, *devices
	spec.LicenseGroups, spec.SessionsPerDevice, spec.LiveSessions = *licenses, *sessions, *live
	srv := standin.NewServer(standin.Generate(spec, time.Now()), standin.Credential{SecretID: id, SecretKey: key})
	if *simulate {
		srv.Follow(standin.NewSimulation(spec, time.Now()))
	}
	srv.Latency = *latency

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	url, err := srv.Listen(ctx, *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "trro-standin:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "trro-standin: serving the TRRO API on", url)
	<-ctx.Done()
}
