#!/usr/bin/env bash
# End-to-end alerting check: a real Prometheus scrapes the trainer's and the monitor's /metrics,
# evaluates dashboards/prometheus/rules/*.yml plus a smoke rule, and sends to a real Alertmanager;
# the check passes when the awaited alert is visible in Alertmanager's API.
#
#   dashboards/e2e-scrape.sh TRAINER_HOST:PORT MONITOR_HOST:PORT [--alert NAME] [--timeout SECONDS]
#
# Default alert: UntangleE2EPipelineUp (both targets up and the trainer exports untangle_step), which
# proves scrape -> rule -> Alertmanager without waiting for a training pathology. Name a real rule
# (e.g. --alert UntangleNonFinite) to wait for that one. Everything listens on 127.0.0.1 only, in a
# temp dir that is removed on exit; exit 0 when the alert reached Alertmanager, 1 otherwise.
set -euo pipefail

usage() { echo "usage: $0 TRAINER_HOST:PORT MONITOR_HOST:PORT [--alert NAME] [--timeout SECONDS]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
TRAINER=$1; MONITOR=$2; shift 2
ALERT=UntangleE2EPipelineUp
TIMEOUT=120
while [[ $# -gt 0 ]]; do
  case $1 in
    --alert) ALERT=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    *) usage ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in prometheus prometheus-alertmanager curl python3; do
  command -v "$tool" >/dev/null || { echo "e2e-scrape: FAIL: $tool not installed (dashboards/ci-checks.sh installs it)" >&2; exit 1; }
done

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PROM_PORT=$(free_port); AM_PORT=$(free_port)

mkdir -p "$WORK/rules"
cp "$HERE"/prometheus/rules/*.yml "$WORK/rules/"
cat > "$WORK/rules/e2e-smoke.yml" <<YAML
groups:
  - name: untangle.e2e
    rules:
      - alert: UntangleE2EPipelineUp
        expr: count(up{job=~"untangle-trainer|untangle-monitor"} == 1) == 2 and on() count(untangle_step) > 0
        labels: {severity: none}
        annotations: {summary: "e2e: trainer and monitor scraped, rules evaluated"}
YAML
cat > "$WORK/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ["rules/*.yml"]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["127.0.0.1:$AM_PORT"]}]
scrape_configs:
  - job_name: untangle-trainer
    static_configs: [{targets: ["$TRAINER"]}]
  - job_name: untangle-monitor
    static_configs: [{targets: ["$MONITOR"]}]
YAML

prometheus-alertmanager --config.file="$HERE/alertmanager/alertmanager.yml" \
  --storage.path="$WORK/am" --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
  >"$WORK/alertmanager.log" 2>&1 &
PIDS+=($!)
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)

fail() {
  echo "e2e-scrape: FAIL: $*" >&2
  echo "--- targets:" >&2; curl -s "http://127.0.0.1:$PROM_PORT/api/v1/targets" | python3 -c 'import json,sys
for t in json.load(sys.stdin)["data"]["activeTargets"]: print(" ", t["labels"]["job"], t["scrapeUrl"], t["health"], t.get("lastError",""))' >&2 || true
  echo "--- prometheus alerts:" >&2; curl -s "http://127.0.0.1:$PROM_PORT/api/v1/alerts" >&2 || true; echo >&2
  echo "--- prometheus log (tail):" >&2; tail -5 "$WORK/prometheus.log" >&2
  echo "--- alertmanager log (tail):" >&2; tail -5 "$WORK/alertmanager.log" >&2
  exit 1
}

deadline=$((SECONDS + TIMEOUT))
until curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null && curl -sf "http://127.0.0.1:$AM_PORT/-/ready" >/dev/null; do
  (( SECONDS < deadline )) || fail "Prometheus or Alertmanager not ready within ${TIMEOUT}s"
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a server exited at start"; done
  sleep 0.5
done
echo "e2e-scrape: Prometheus 127.0.0.1:$PROM_PORT scraping $TRAINER and $MONITOR; Alertmanager 127.0.0.1:$AM_PORT; waiting for $ALERT (<= ${TIMEOUT}s)"
until curl -sf "http://127.0.0.1:$AM_PORT/api/v2/alerts?filter=alertname%3D%22$ALERT%22&active=true" \
      | python3 -c 'import json,sys; a=json.load(sys.stdin); sys.exit(0 if a else 1)'; do
  (( SECONDS < deadline )) || fail "alert $ALERT did not reach Alertmanager within ${TIMEOUT}s"
  sleep 1
done
labels=$(curl -sf "http://127.0.0.1:$AM_PORT/api/v2/alerts?filter=alertname%3D%22$ALERT%22" \
  | python3 -c 'import json,sys; print("; ".join(",".join(f"{k}={v}" for k,v in sorted(a["labels"].items())) for a in json.load(sys.stdin)))')
echo "e2e-scrape: OK: $ALERT reached Alertmanager after ${SECONDS}s [$labels]"
