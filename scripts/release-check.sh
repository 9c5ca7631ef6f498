#!/usr/bin/env bash
# Checks `make release` and the version every build reports: the archives
# (a zip for Windows) hold the binary, the docs, the example config, the
# dashboards, alert rules, runbook and deploy files; the sums match, and --version says VERSION and the Go version under go build,
# make build and the Dockerfile's default build arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(cat VERSION)
fail=0
make -s release >/dev/null
(cd dist && sha256sum -c --quiet sha256sums.txt) || { echo "release: checksums do not match"; fail=1; }
for p in linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 windows-amd64; do
  a=dist/trro_exporter-$want.$p.tar.gz bin=trro_exporter
  [ $p = windows-amd64 ] && a=dist/trro_exporter-$want.$p.zip bin=trro_exporter.exe
  [ -f "$a" ] || { echo "release: $a missing"; fail=1; continue; }
  if [ $p = windows-amd64 ]; then files=$(unzip -Z1 "$a"); else files=$(tar -tzf "$a"); fi
  for f in $bin LICENSE NOTICE README.md CHANGELOG.md config.example.yml docs/runbook.md \
    grafana/dashboards/trro-live-sessions.json grafana/provisioning/dashboards/trro.yml \
    deploy/prometheus/trro-alerts.yml deploy/alertmanager/alertmanager.yml deploy/kubernetes/kustomization.yaml \
    deploy/kubernetes/config.yml deploy/systemd/trro_exporter.service deploy/docker-compose/docker-compose.yml \
    deploy/prometheus/trro-rules.yml deploy/helm/trro-exporter/Chart.yaml deploy/helm/trro-exporter/files/rules.yaml \
    monitoring-mixin/mixin.libsonnet monitoring-mixin/dashboards/trro-licenses.libsonnet docs/metrics.md docs/configuration.md docs/backfill.md \
    examples/one-account.yml examples/many-accounts.yml examples/large-fleet.yml; do
    grep -qx "trro_exporter-$want.$p/$f" <<<"$files" || { echo "release: $a lacks $f"; fail=1; }
  done
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xzf "dist/trro_exporter-$want.linux-amd64.tar.gz"
check() { # what, output of --version
  grep -q "version $want" <<<"$2" || { echo "$1: --version lacks version $want: $2"; fail=1; }
  grep -Eq "go version: +go1" <<<"$2" || { echo "$1: --version lacks the Go version: $2"; fail=1; }
}
check "release archive" "$("$tmp/trro_exporter-$want.linux-amd64/trro_exporter" --version 2>&1)"
go build -o "$tmp/plain" . && check "go build" "$("$tmp/plain" --version 2>&1)"
make -s build && check "make build" "$(./trro_exporter --version 2>&1)"
# The Dockerfile's build step with its default arguments (no Docker here):
# the same shell line, run as Docker would.
line=$(sed -n 's/^RUN \(VERSION=[^;]*\);.*$/\1/p' Dockerfile)
[ -n "$line" ] || { echo "Dockerfile: no version line"; fail=1; }
VERSION="" REVISION="" sh -c "$line && echo \$VERSION" > "$tmp/docker-version"
grep -qx "$want" "$tmp/docker-version" || { echo "Dockerfile default VERSION is $(cat "$tmp/docker-version"), want $want"; fail=1; }
[ $fail = 0 ] && echo "release-check: OK ($want)"
exit $fail
