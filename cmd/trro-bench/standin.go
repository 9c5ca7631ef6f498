package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// startStandin runs the stand-in binary with a generated fleet until ctx
// ends, and returns its URL once it answers.
func startStandin(ctx context.Context, bin string, projects, perProject, licenses int, latency time.Duration, live int, extra ...string) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.CommandContext(ctx, bin, "-listen", addr, "-projects", strconv.Itoa(projects), "-devices-per-project", strconv.Itoa(perProject),
		"-license-groups", strconv.Itoa(licenses), "-latency", latency.String(), "-live-sessions", strconv.Itoa(live))
	cmd.Args = append(cmd.Args, extra...)
	cmd.Env = append(os.Environ(), "TENCENTCLOUD_SECRET_ID="+secretID, "TENCENTCLOUD_SECRET_KEY="+secretKey)
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start stand-in: %w", err)
	}
	go cmd.Wait()
	base := "http://" + addr
	for i := 0; ; i++ {
		if _, err := standinStats(base); err == nil {
			return base, nil
		}
		if i > 200 {
			cmd.Process.Kill()
			return "", fmt.Errorf("stand-in did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// standinStats reads the calls the stand-in served since its last reset.
func standinStats(base string) (stats, error) {
	var s stats
	resp, err := http.Get(base + "/stats")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

type stats struct {
	Calls    map[string]int `json:"calls"`
	MinCalls map[string]int `json:"min_calls"`
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
