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

# serve VAR LOG CMD...: starts CMD with "@PORT@" in its arguments replaced by
# a free port, and sets VAR to that port once it accepts connections. A
# process that cannot bind (the port taken meanwhile) is started again on
# another port; one that fails otherwise stops the script with its log.
serve() {
  local var=$1 log=$2 port pid
  shift 2
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi # taken
    "${@//@PORT@/$port}" 2>"$log" &
    pid=$!
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        printf -v "$var" %s "$port"
        return 0
      fi
      sleep 0.1
    done
    grep -q "address already in use" "$log" && continue
    echo "e2e-binary: $(basename "$1") did not start:"; cat "$log"; exit 1
  done
  echo "e2e-binary: no free port found"; exit 1
}

export TENCENTCLOUD_SECRET_ID=AKIDe2etest TENCENTCLOUD_SECRET_KEY="e2e-secret-$RANDOM$RANDOM"
serve api "$tmp/standin.log" "$tmp/trro-standin" --listen 127.0.0.1:@PORT@
serve exp "$tmp/exporter.log" "$tmp/trro_exporter" --web.listen-address=127.0.0.1:@PORT@ \
  --tencentcloud.endpoint="http://127.0.0.1:$api" --collector.session_quality
curl -fsS "http://127.0.0.1:$exp/metrics" >"$tmp/metrics.txt"

fail=0
promtool check metrics <"$tmp/metrics.txt" || fail=1
grep -qx 'trro_up{account="default"} 1' "$tmp/metrics.txt" || { echo "trro_up is not 1"; fail=1; }
for p in mine7x2k9q4p1d0a port3c8v5n6m2b1e robo9w4r7t1y5u3i; do
  grep -q "trro_project_info{.*project_id=\"$p\"" "$tmp/metrics.txt" || { echo "project $p missing"; fail=1; }
  a='account="default",'
  for m in "trro_sessions{${a}interval=\"hour\",project_id=\"$p\",window=\"current\"}" \
           "trro_device_licenses{${a}device_id=\"${p:0:4}-field-00\",project_id=\"$p\"}" \
           "trro_device_status{${a}device_id=\"${p:0:4}-field-00\",project_id=\"$p\",status=\"offline\"}" \
           "trro_device_last_report_timestamp_seconds{${a}device_id=\"${p:0:4}-field-01\",project_id=\"$p\"}" \
           "trro_recent_sessions{${a}project_id=\"$p\"}" "trro_active_sessions{${a}project_id=\"$p\"}" \
           "trro_session_quality_sessions{${a}project_id=\"$p\",quality=\"bad\"}"; do
    grep -qF "$m" "$tmp/metrics.txt" || { echo "missing: $m"; fail=1; }
  done
done
grep -q 'trro_account_valid_licenses{account="default"}' "$tmp/metrics.txt" || { echo "license summary missing"; fail=1; }
if grep -E 'trro_scrape_collector_success\{account="default",collector="[a-z_]+"\} 0' "$tmp/metrics.txt"; then
  echo "a collector failed"; fail=1
fi
grep -q 'trro_dropped_values_total{account="default",field="LastReportTime",reason="unparseable"} 0' "$tmp/metrics.txt" || { echo "timestamps not all parsed"; fail=1; }
# Two accounts on one page (two stand-ins of the same fleet: one key may
# serve one account per endpoint; one account with static labels):
# promtool must find each family once and the page clean.
serve api2 "$tmp/standin2.log" "$tmp/trro-standin" --listen 127.0.0.1:@PORT@
cat >"$tmp/two.yml" <<EOF
collectors: {session_quality: true}
accounts:
  - name: north
    endpoint: http://127.0.0.1:$api
    labels: {customer: acme, site: north-pit}
  - name: south
    endpoint: http://127.0.0.1:$api2
    credentials: {secret_id_env: TENCENTCLOUD_SECRET_ID, secret_key_env: TENCENTCLOUD_SECRET_KEY}
EOF
serve exp2 "$tmp/exporter2.log" "$tmp/trro_exporter" --web.listen-address=127.0.0.1:@PORT@ --config.file="$tmp/two.yml"
curl -fsS "http://127.0.0.1:$exp2/metrics" >"$tmp/two.txt"
promtool check metrics <"$tmp/two.txt" || fail=1
for l in 'trro_up{account="north",customer="acme",site="north-pit"} 1' 'trro_up{account="south"} 1'; do
  grep -qxF "$l" "$tmp/two.txt" || { echo "two accounts: missing $l"; fail=1; }
done
if grep -E 'trro_scrape_collector_success\{account="[a-z]+",.*collector="[a-z_]+"\} 0' "$tmp/two.txt"; then
  echo "two accounts: a collector failed"; fail=1
fi
curl -fsS "http://127.0.0.1:$exp2/probe?account=south" >"$tmp/south.txt"
promtool check metrics <"$tmp/south.txt" || fail=1
if grep -q 'account="north"' "$tmp/south.txt"; then echo "/probe?account=south shows north"; fail=1; fi

if grep -q "$TENCENTCLOUD_SECRET_KEY" "$tmp/metrics.txt" "$tmp/exporter.log" "$tmp/two.txt" "$tmp/exporter2.log"; then
  echo "secret leaked"; fail=1
fi
if [ "$fail" != 0 ]; then
  echo "--- exporter log"; cat "$tmp/exporter.log"
  exit 1
fi
echo "e2e-binary: OK ($(grep -c '^trro_' "$tmp/metrics.txt") trro_ samples; two accounts $(grep -c '^trro_' "$tmp/two.txt"); promtool clean)"
