// Command trro-bench measures scrape time, API calls, CPU, allocations and
// memory of the exporter against the stand-in (run as its own process, so
// that its CPU is not counted) over fleets of several sizes, and prints one
// table with the ratios to the lower bounds. Run it with `make bench`.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

var failed = regexp.MustCompile(`trro_scrape_collector_success\{collector="\w+"\} 0|trro_collector_truncated\{collector="\w+"\} 1`)

const (
	secretID  = "AKIDbench"
	secretKey = "bench-secret"
	rateLimit = 20.0
)

// liveSessions is how many sessions of the fleet are live: one
// DescribeDeviceSessionDetails call each per scrape, two devices each
// with live-quality series (-live).
var liveSessions = 200

type result struct {
	Projects, Devices, Licenses int
	WallSec, BoundSec           float64 // medians
	Calls, MinCalls             int
	CPUSec, FloorCPUSec         float64 // medians
	FloorDecodeSec              float64 // the floor's decoding part
	ClientCPUSec                float64 // the API client alone, same calls
	Allocs                      uint64
	AllocBytes                  uint64
	PeakRSSMiB                  float64
	ConcurrentCalls             int
	Series                      int
	Runs                        int
}

// cpuProfile and clientProfile, when set, profile the measured scrapes and
// the client alone of a child.
var cpuProfile, clientProfile string

// startProfile profiles the CPU into path until the returned stop.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func main() {
	child := flag.Bool("child", false, "measure one size (internal)")
	sizes := flag.String("sizes", "1,10,100,500", "project counts to measure")
	devices := flag.Int("devices", 10000, "devices in the fleet, spread over the projects")
	licenses := flag.Int("licenses", 10000, "license groups in the fleet")
	projects := flag.Int("projects", 1, "projects (with -child)")
	latency := flag.Duration("latency", 50*time.Millisecond, "latency the stand-in adds to every call")
	runs := flag.Int("runs", 3, "measured scrapes per size; medians are reported")
	standin := flag.String("standin", "", "path of the trro-standin binary")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the measured scrapes here (with -child)")
	flag.StringVar(&clientProfile, "clientprofile", "", "write a CPU profile of the API client alone here (with -child)")
	flag.IntVar(&liveSessions, "live", liveSessions, "live sessions in the fleet (two devices in session each)")
	accounts := flag.Bool("accounts", false, "compare one account of half the fleet with two such accounts on one exporter")
	backfill := flag.Bool("backfill", false, "measure `trro_exporter backfill` over ranges of the stand-in's simulated past instead")
	exporter := flag.String("exporter", "", "path of the trro_exporter binary (with -backfill)")
	backfillDays := flag.String("backfill-days", "7,30", "ranges to backfill, in days (with -backfill)")
	backfillProjects := flag.Int("backfill-projects", 1, "projects of the simulated fleet (with -backfill)")
	backfillDevices := flag.Int("backfill-devices", 3, "devices per project of the simulated fleet (with -backfill)")
	flag.Parse()
	if *backfill {
		if err := runBackfills(os.Stdout, *standin, *exporter, *backfillDays, *backfillProjects, *backfillDevices, *latency); err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench:", err)
			os.Exit(1)
		}
		return
	}
	if *accounts {
		if err := compareAccounts(os.Stdout, *standin, *sizes, *devices, *licenses, *latency, *runs); err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench:", err)
			os.Exit(1)
		}
		return
	}
	if *child {
		r, err := measure(*standin, *projects, *devices, *licenses, *latency, *runs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench:", err)
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	runSizes(*sizes, *devices, *licenses, *latency, *runs, *standin)
}

// runSizes measures each size in a process of its own (peak RSS is then
// that size's own) and prints the table.
func runSizes(sizes string, devices, licenses int, latency time.Duration, runs int, standin string) {
	var results []result
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench: bad size", s)
			os.Exit(2)
		}
		// A process per size: peak RSS is then that size's own.
		cmd := exec.Command(os.Args[0], "-child", "-projects", strconv.Itoa(n), "-devices", strconv.Itoa(devices),
			"-licenses", strconv.Itoa(licenses), "-latency", latency.String(), "-runs", strconv.Itoa(runs), "-standin", standin,
			"-live", strconv.Itoa(liveSessions))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench: size", n, err)
			os.Exit(1)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			fmt.Fprintln(os.Stderr, "trro-bench:", err)
			os.Exit(1)
		}
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "trro-bench: %d projects done\n", n)
	}
	printTable(os.Stdout, results, latency)
}
