package main

import (
	_ "embed"
	"strings"

	"github.com/prometheus/common/version"
)

// versionFile is the release this source is: what --version and
// trro_exporter_build_info say when the build set no version (go build,
// go run), so that no build says nothing.
//
//go:embed VERSION
var versionFile string

func init() {
	if version.Version == "" {
		version.Version = strings.TrimSpace(versionFile)
	}
}
