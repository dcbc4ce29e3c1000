#!/usr/bin/env bash
# Every offline check of dashboards/, k8s/, docker-compose.yml (issue 5). Installs what it needs
# (apt: prometheus, prometheus-alertmanager, docker-compose, python3-yaml; npm: @grafana/schema and
# friends into dashboards/.tools) idempotently, runs every check even after a failure, prints one line
# per check, and exits 1 if any failed.
#
#   dashboards/ci-checks.sh                 all checks on this repository
#   dashboards/ci-checks.sh --only a,b      only the named checks (names as printed)
#   dashboards/ci-checks.sh --root DIR      check the files under DIR (test-checks.sh uses this)
#   dashboards/ci-checks.sh --selftest      also run test-checks.sh (each check catches a planted mistake)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
ONLY=""
SELFTEST=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --root) ROOT=$(cd "$2" && pwd); shift 2 ;;
    --only) ONLY=",$2,"; shift 2 ;;
    --selftest) SELFTEST=1; shift ;;
    *) echo "usage: $0 [--root DIR] [--only check,...] [--selftest]" >&2; exit 2 ;;
  esac
done
TOOLS="$HERE/.tools"
PY=/usr/bin/python3
# pinned npm tool versions (the schema is generated from this @grafana/schema release)
GRAFANA_SCHEMA=@grafana/schema@13.2.3
NPM_PACKAGES="$GRAFANA_SCHEMA ts-json-schema-generator@2.10.0 typescript@5.9.3 ajv@8.20.0 ajv-formats@3.0.1"

install_needs() {
  local missing=()
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v prometheus-alertmanager >/dev/null && command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  $PY -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
  command -v node >/dev/null || missing+=(nodejs npm)
  if (( ${#missing[@]} )); then
    echo "ci-checks: installing ${missing[*]} (apt)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") \
      >/tmp/untangle-ci-apt.log 2>&1 || { echo "ci-checks: apt-get install failed, see /tmp/untangle-ci-apt.log" >&2; exit 1; }
  fi
  if [[ ! -f "$TOOLS/installed-$(echo "$NPM_PACKAGES" | md5sum | cut -c1-12)" ]]; then
    echo "ci-checks: installing $NPM_PACKAGES (npm, into dashboards/.tools)"
    mkdir -p "$TOOLS"
    [[ -f "$TOOLS/package.json" ]] || echo '{"name":"untangle-dashboard-tools","private":true}' > "$TOOLS/package.json"
    (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error $NPM_PACKAGES >/tmp/untangle-ci-npm.log 2>&1) \
      || { echo "ci-checks: npm install failed, see /tmp/untangle-ci-npm.log" >&2; exit 1; }
    rm -f "$TOOLS"/installed-* "$TOOLS/dashboard.schema.json"
    touch "$TOOLS/installed-$(echo "$NPM_PACKAGES" | md5sum | cut -c1-12)"
  fi
  if [[ ! -s "$TOOLS/dashboard.schema.json" ]]; then
    # JSON Schema of the Dashboard type (the classic dashboard JSON model Grafana provisions)
    (cd "$TOOLS" && npx ts-json-schema-generator --no-type-check --type Dashboard \
       --path node_modules/@grafana/schema/dist/types/raw/dashboard/x/types.gen.d.ts -o dashboard.schema.json) \
       >/tmp/untangle-ci-schema.log 2>&1 || { echo "ci-checks: schema generation failed, see /tmp/untangle-ci-schema.log" >&2; exit 1; }
  fi
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FAILED=()
PASSED=0
run() {  # run NAME COMMAND...: one line per check; the output only when it fails
  local name=$1; shift
  [[ -z $ONLY || $ONLY == *",$name,"* ]] || return 0
  local start=$SECONDS
  if (cd "$ROOT" && "$@") >"$WORK/$name.log" 2>&1; then
    printf 'ok    %-22s %3ds\n' "$name" $((SECONDS - start)); PASSED=$((PASSED + 1))
  else
    printf 'FAIL  %-22s %3ds\n' "$name" $((SECONDS - start)); sed 's/^/      /' "$WORK/$name.log" | tail -40
    FAILED+=("$name")
  fi
}

skip_unless() {  # prints a clear message and succeeds when a tool is missing
  command -v "$1" >/dev/null || { echo "SKIP: $1 not installed: $2"; return 1; }
}

check_kustomize() {
  skip_unless kubectl "no Debian package provides kubectl here; the deploy module's test skips too" || return 0
  kubectl kustomize k8s/base >/dev/null && kubectl kustomize k8s/overlays/cpu >/dev/null
}

check_manifests_java() {
  # the deploy module: strict fabric8 loading, CR schemas, contract tests (mvn -o: dependencies in ~/.m2)
  [[ -f deploy/pom.xml ]] || { echo "no deploy module under $ROOT"; return 1; }
  if [[ -n "${UNTANGLE_MAVEN_VERIFIED:-}" ]]; then
    echo "deploy module already tested by the mvn verify of this run"; return 0
  fi
  mvn -B -q -pl deploy -am test
}

check_compose() {
  # a fresh checkout has no secrets/ (gitignored): compose config -q does not read the secret file
  docker-compose -f docker-compose.yml config -q
}

install_needs
TOTAL_START=$SECONDS
run grafana-schema        node "$HERE/tools/validate-dashboard.cjs" "$TOOLS" "$TOOLS/dashboard.schema.json" dashboards/grafana/untangle.json
run dashboard-consistency $PY "$HERE/tools/check_dashboard.py" . dashboards/grafana/untangle.json --promql-rules "$WORK/dashboard-promql.yml"
run dashboard-promql      bash -c "$PY '$HERE/tools/check_dashboard.py' . dashboards/grafana/untangle.json --promql-rules '$WORK/exprs.yml' >/dev/null 2>&1; promtool check rules '$WORK/exprs.yml'"
run prometheus-config     promtool check config dashboards/prometheus/prometheus.yml
run prometheus-rules      promtool check rules dashboards/prometheus/rules/untangle.rules.yml
run prometheus-rule-tests bash -c 'cd dashboards/prometheus && promtool test rules tests/*.yml'
run alertmanager-config   amtool check-config dashboards/alertmanager/alertmanager.yml
run prometheusrule-sync   $PY "$HERE/tools/gen_prometheusrule.py" . --check
run compose               check_compose
run kustomize             check_kustomize
run manifests-java        check_manifests_java
run e2e-standin           "$HERE/tests/e2e-standin.sh"
run e2e-real-run          "$HERE/tests/e2e-real-run.sh"
if (( SELFTEST )); then
  run planted-mistakes    "$HERE/test-checks.sh"
fi
echo "ci-checks: ${PASSED} passed, ${#FAILED[@]} failed in $((SECONDS - TOTAL_START))s${FAILED:+ (failed: ${FAILED[*]})}"
(( ${#FAILED[@]} == 0 ))
