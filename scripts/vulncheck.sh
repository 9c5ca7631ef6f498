#!/usr/bin/env bash
# govulncheck without network access to vuln.go.dev: the vulnerability
# database is fetched as the Go module golang.org/x/vulndb from the module
# proxy and indexed locally with its own cmd/indexdb. Fails on any
# vulnerability the code can reach.
set -euo pipefail
cd "$(dirname "$0")/.."

GOVULNCHECK_VERSION=v1.9.0
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
cache="${XDG_CACHE_HOME:-$HOME/.cache}/trro_exporter-vulncheck"
bin="$cache/bin-$GOVULNCHECK_VERSION-$(go env GOVERSION)"
db="$cache/db-$VULNDB_VERSION"
mkdir -p "$cache"

# Built with the project's toolchain, or it cannot load the packages.
if [ ! -x "$bin/govulncheck" ]; then
  GOBIN="$bin" go install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
fi
if [ ! -f "$db/index/db.json" ]; then
  src=$(cd "$cache" && go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  rm -rf "$db.tmp"
  go run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" -vulns "$src/data/osv" -out "$db.tmp"
  mv "$db.tmp" "$db"
fi
"$bin/govulncheck" -db "file://$db" ./...
