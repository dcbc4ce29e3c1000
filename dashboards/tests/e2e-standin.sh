#!/usr/bin/env bash
# Proves dashboards/e2e-scrape.sh against stand-in exporters serving sample metrics with the real
# names (standin/*.prom): it must pass when the awaited alert fires and fail when it cannot.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
E2E="$HERE/../e2e-scrape.sh"
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT

for name in trainer-nonfinite trainer-healthy monitor; do
  python3 "$HERE/standin/standin_exporter.py" "$HERE/standin/$name.prom" "$WORK/$name.port" >/dev/null 2>&1 &
  PIDS+=($!)
done
address() {  # address NAME -> 127.0.0.1:PORT once the stand-in wrote its port
  for _ in $(seq 50); do [[ -s "$WORK/$1.port" ]] && break; sleep 0.1; done
  echo "127.0.0.1:$(cat "$WORK/$1.port")"
}
NONFINITE=$(address trainer-nonfinite); HEALTHY=$(address trainer-healthy); MONITOR=$(address monitor)
UNUSED=127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

failures=0
expect() {  # expect RC DESCRIPTION ARGS...
  local want=$1 what=$2; shift 2
  "$E2E" "$@" >"$WORK/out" 2>&1; local got=$?
  if [[ $got == "$want" ]]; then echo "ok: $what (exit $got): $(grep -E 'OK|FAIL' "$WORK/out" | head -1)"
  else echo "FAILED: $what: exit $got, expected $want"; cat "$WORK/out"; failures=$((failures + 1)); fi
}
expect 0 "NaN loss fires UntangleNonFinite into Alertmanager" "$NONFINITE" "$MONITOR" --alert UntangleNonFinite --timeout 60
expect 0 "smoke alert with both endpoints up" "$HEALTHY" "$MONITOR" --timeout 60
expect 1 "healthy trainer never fires UntangleNonFinite" "$HEALTHY" "$MONITOR" --alert UntangleNonFinite --timeout 10
expect 1 "monitor endpoint down: smoke alert never fires" "$HEALTHY" "$UNUSED" --timeout 10
exit $((failures > 0))
