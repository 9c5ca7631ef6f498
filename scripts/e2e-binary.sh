#!/usr/bin/env bash
# Builds the binaries, starts the stand-in and the exporter with nothing but
# the two credential variables and --tencentcloud.endpoint, then checks the
# /metrics page with promtool and for every project.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/trro_exporter" .
go build -o "$tmp/trro-standin" ./cmd/trro-standin

export TENCENTCLOUD_SECRET_ID=AKIDe2etest TENCENTCLOUD_SECRET_KEY="e2e-secret-$RANDOM$RANDOM"
"$tmp/trro-standin" --listen 127.0.0.1:18688 2>"$tmp/standin.log" &
"$tmp/trro_exporter" --web.listen-address=127.0.0.1:19688 \
  --tencentcloud.endpoint=http://127.0.0.1:18688 2>"$tmp/exporter.log" &

for _ in $(seq 50); do
  curl -fsS -o /dev/null http://127.0.0.1:19688/-/healthy 2>/dev/null && break
  sleep 0.1
done
curl -fsS http://127.0.0.1:19688/metrics >"$tmp/metrics.txt"

fail=0
promtool check metrics <"$tmp/metrics.txt" || fail=1
grep -qx 'trro_up 1' "$tmp/metrics.txt" || { echo "trro_up is not 1"; fail=1; }
for p in mine7x2k9q4p1d0a port3c8v5n6m2b1e robo9w4r7t1y5u3i; do
  grep -q "trro_project_info{.*project_id=\"$p\"" "$tmp/metrics.txt" || { echo "project $p missing"; fail=1; }
  grep -q "trro_sessions{interval=\"hour\",project_id=\"$p\",window=\"current\"}" "$tmp/metrics.txt" || { echo "sessions of $p missing"; fail=1; }
done
if grep -q "$TENCENTCLOUD_SECRET_KEY" "$tmp/metrics.txt" "$tmp/exporter.log"; then
  echo "secret leaked"; fail=1
fi
if [ "$fail" != 0 ]; then
  echo "--- exporter log"; cat "$tmp/exporter.log"
  exit 1
fi
echo "e2e-binary: OK ($(grep -c '^trro_' "$tmp/metrics.txt") trro_ samples, promtool clean)"
