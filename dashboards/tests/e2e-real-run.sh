#!/usr/bin/env bash
# End-to-end with the real job: a short `./untangle run` (embedded broker, monitor, tiny model) serves
# trainer and monitor meters on one /metrics endpoint; a real Prometheus scrapes it as both jobs and a
# rule fires into a real Alertmanager (dashboards/e2e-scrape.sh). Bounded: the run is killed at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA="$ROOT/../shared/data/hh-rlhf/harmless-base-test.jsonl.gz"
[[ -f "$DATA" ]] || { echo "e2e-real-run: FAIL: $DATA not found (../shared/data beside the repository)"; exit 1; }
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
RUN_PID=
cleanup() {
  if [[ -n "$RUN_PID" ]]; then
    kill "$RUN_PID" 2>/dev/null || true
    wait "$RUN_PID" 2>/dev/null || true   # a killed run exits 143; that is the plan, not a failure
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
"$ROOT/untangle" run --data "$DATA" --on-bad-record skip --model tiny --max-length 64 --sft-steps 20 \
  --steps 400 --eval-every 0 --out "$WORK/run" --metrics-port "$PORT" > "$WORK/run.log" 2>&1 &
RUN_PID=$!
for _ in $(seq 1 180); do   # the launcher may build first; the broker and monitor start in seconds
  if curl -fs "http://127.0.0.1:$PORT/metrics" | grep -q '^untangle_step'; then break; fi
  if ! kill -0 "$RUN_PID" 2>/dev/null; then echo "e2e-real-run: FAIL: the run exited early"; tail -20 "$WORK/run.log"; exit 1; fi
  sleep 1
done
curl -fs "http://127.0.0.1:$PORT/metrics" | grep -q '^untangle_step' \
  || { echo "e2e-real-run: FAIL: no untangle_step on /metrics after 180 s"; tail -20 "$WORK/run.log"; exit 1; }
"$ROOT/dashboards/e2e-scrape.sh" "127.0.0.1:$PORT" "127.0.0.1:$PORT" --timeout 90
