#!/usr/bin/env bash
# Proves every check of ci-checks.sh catches a mistake: copies the checked files to a temp dir, runs
# the check on the unbroken copy (must pass), then, per check, plants one mistake in a fresh copy and
# asserts that the check fails and names the reason. The e2e check's own fail cases live in
# tests/e2e-standin.sh; the deploy module's planted-manifest cases also in ManifestCheckerTest.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CHECKS="$HERE/ci-checks.sh"

fresh_copy() {  # fresh_copy DIR: the files the checks read, without tool caches or build output
  rm -rf "$1"; mkdir -p "$1"
  (cd "$REPO" && tar cf - --exclude=dashboards/.tools --exclude='*/target' \
      dashboards k8s docker docker-compose.yml pom.xml deploy telemetry/pom.xml trainer/pom.xml \
      telemetry/src/main/java/dev/untangle/metrics telemetry/src/main/java/dev/untangle/wire) | tar xf - -C "$1"
}

failures=0
plant() {  # plant CHECK "EXPECTED TEXT" COMMAND...: COMMAND edits the copy (cwd = copy root)
  local check=$1 expect=$2; shift 2
  local dir="$WORK/$check"
  fresh_copy "$dir"
  (cd "$dir" && "$@") || { echo "FAILED: could not plant the mistake for $check"; failures=$((failures + 1)); return; }
  if "$CHECKS" --root "$dir" --only "$check" >"$WORK/out" 2>&1; then
    echo "FAILED: $check passed a planted mistake ($*)"; failures=$((failures + 1))
  elif ! grep -qF -- "$expect" "$WORK/out"; then
    echo "FAILED: $check failed, but without '$expect':"; cat "$WORK/out"; failures=$((failures + 1))
  else
    echo "ok: $check catches: $(grep -F -m1 -- "$expect" "$WORK/out" | sed 's/^ *//' | cut -c1-150)"
  fi
}

edit() {  # edit FILE PYTHON-EXPR-ON-s: replace the file's text s with the expression's value; must change it
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
path, expr = sys.argv[1], sys.argv[2]
s = open(path).read()
t = eval(expr, {"s": s})
if t == s:
    sys.exit(f"edit did not change {path}")
open(path, "w").write(t)
PY
}

ALL=grafana-schema,dashboard-consistency,dashboard-promql,prometheus-config,prometheus-rules,prometheus-rule-tests,alertmanager-config,prometheusrule-sync,compose,kustomize,manifests-java
fresh_copy "$WORK/clean"
if "$CHECKS" --root "$WORK/clean" --only "$ALL" >"$WORK/out" 2>&1; then
  echo "ok: every check passes on the unbroken copy"
else
  echo "FAILED: checks fail on the unbroken copy:"; cat "$WORK/out"; exit 1
fi

D=dashboards/grafana/untangle.json
plant grafana-schema "must NOT have additional properties 'titel'" \
  edit $D 's.replace("\"title\": \"Reward margin\"", "\"titel\": \"Reward margin\"")'
plant grafana-schema "/panels/0/gridPos/w must be number" \
  edit $D 's.replace("\"w\": 12", "\"w\": \"12\"", 1)'
plant dashboard-consistency "unknown metric 'untangle_ratio_choosen'" \
  edit $D 's.replace("untangle_ratio_chosen{", "untangle_ratio_choosen{", 1)'
plant dashboard-consistency "datasource uid 'prometheus' is not the provisioned 'untangle-prometheus'" \
  edit $D 's.replace("\"uid\": \"untangle-prometheus\"", "\"uid\": \"prometheus\"", 3)'
plant dashboard-consistency "label 'step' is not one of" \
  edit $D 's.replace("untangle_loss{run_id=~\\\"$run_id\\\"}", "untangle_loss{run_id=~\\\"$run_id\\\", step=\\\"1\\\"}", 1)'
plant dashboard-promql "could not parse expression" \
  edit $D 's.replace("[$__rate_interval])", "[$__rate_interval]", 1)'
plant prometheus-config "not a valid duration string" \
  edit dashboards/prometheus/prometheus.yml 's.replace("scrape_interval: 15s", "scrape_interval: 15 seconds")'
plant prometheus-rules "not a valid duration string" \
  edit dashboards/prometheus/rules/untangle.rules.yml 's.replace("for: 5m", "for: 5 minutes", 1)'
plant prometheus-rule-tests "alertname: UntangleChosenFalling" \
  edit dashboards/prometheus/rules/untangle.rules.yml 's.replace(") > 0.5", ") > 0.95", 1)'
plant prometheus-rule-tests "alertname: UntangleNonFinite" \
  edit dashboards/prometheus/rules/untangle.rules.yml 's.replace("          or\n          untangle_loss != untangle_loss\n", "")'
plant alertmanager-config 'undefined receiver "untangle-operatr"' \
  edit dashboards/alertmanager/alertmanager.yml 's.replace("receiver: untangle-operator\n  group_by", "receiver: untangle-operatr\n  group_by")'
plant prometheusrule-sync "out of date with dashboards/prometheus/rules/untangle.rules.yml" \
  edit dashboards/prometheus/rules/untangle.rules.yml 's.replace("severity: info", "severity: page")'
plant compose "Unsupported config option for services.alertmanager: 'imagee'" \
  edit docker-compose.yml 's.replace("    image: prom/alertmanager", "    imagee: prom/alertmanager")'
plant compose "name" \
  edit docker-compose.yml '"name: untangle\n" + s'
plant kustomize "trainer/jobs.yaml" \
  edit k8s/base/kustomization.yaml 's.replace("trainer/job.yaml", "trainer/jobs.yaml")'
plant manifests-java "unknown field(s) [imagePullPolicyy]" \
  edit k8s/base/trainer/job.yaml 's.replace("          image: untangle-trainer\n", "          image: untangle-trainer\n          imagePullPolicyy: Always\n")'
plant manifests-java "operations" \
  edit k8s/base/kafka/users.yaml 's.replace("operations: [Read, Describe]\n      - resource: {type: group, name: untangle-trainer", "operation: Read\n      - resource: {type: group, name: untangle-trainer")'
plant manifests-java "expected: <[untangle.alerts.v1, untangle.control.v1, untangle.evals.v1, untangle.steps.v1]>" \
  edit k8s/base/kafka/topics.yaml 's.replace("topicName: untangle.evals.v1", "topicName: untangle.eval.v1")'
(( failures == 0 )) && echo "test-checks: every check caught its planted mistakes" || echo "test-checks: $failures problem(s)"
exit $((failures > 0))
