package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"syscall"
	"time"
)

func printTable(w io.Writer, rs []result, latency time.Duration) {
	fmt.Fprintf(w, "API latency %v, rate limit %g calls/s per action, medians of %d scrapes per size, %s/%s, %d CPUs, %s\n\n",
		latency, rateLimit, rs[0].Runs, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintln(w, "| projects | devices | licenses | series | scrape s | lower bound s | ratio | API calls | minimum | ratio | CPU ms | floor ms (decode + encode) | ratio | API client alone ms | CPU − client ms | allocs | alloc MiB | peak RSS MiB | calls, 4 scrapers | ratio to 1 |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		fmt.Fprintf(w, "| %d | %d | %d | %d | %.2f | %.2f | %.2f | %d | %d | %.2f | %.0f | %.0f (%.0f + %.0f) | %.2f | %.0f | %.0f | %d | %.1f | %.0f | %d | %.2f |\n",
			r.Projects, r.Devices, r.Licenses, r.Series, r.WallSec, r.BoundSec, r.WallSec/r.BoundSec, r.Calls, r.MinCalls,
			float64(r.Calls)/float64(r.MinCalls), r.CPUSec*1000, r.FloorCPUSec*1000, r.FloorDecodeSec*1000, (r.FloorCPUSec-r.FloorDecodeSec)*1000,
			r.CPUSec/r.FloorCPUSec, r.ClientCPUSec*1000, (r.CPUSec-r.ClientCPUSec)*1000,
			r.Allocs, float64(r.AllocBytes)/(1<<20), r.PeakRSSMiB, r.ConcurrentCalls, float64(r.ConcurrentCalls)/float64(r.Calls))
	}
}

func cpuTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func peakRSS() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}
