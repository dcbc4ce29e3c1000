#!/usr/bin/env python3
"""Checks what the Grafana JSON schema cannot: that the dashboard, its provisioning and the alert
rules agree with each other and with the metric names the code exports.

- provisioning: one Prometheus datasource with a fixed uid; a file dashboard provider with a path.
- dashboard: every datasource reference uses that uid; a run_id template variable; unique panel ids;
  every panel target has a refId and an expr.
- names: every untangle_* name in a dashboard expr or an alert rule is a Prometheus rendering of a
  constant of telemetry/.../metrics/MetricNames.java (dots -> underscores, counters + _total), and
  label matchers use only run_id, loss_type and the labels Prometheus adds (DESIGN.md section 2).
- PromQL: with --promql-rules OUT, writes every panel/annotation expr as a recording rule (Grafana
  variables replaced by plain values) for `promtool check rules OUT`.

Usage: check_dashboard.py REPO_ROOT DASHBOARD_JSON [--promql-rules OUT]. Exit 1 on any finding.
"""
import json
import re
import sys
from pathlib import Path

import yaml

COUNTERS = {"STEPS_IDEAL", "STEPS_BOTH_DOWN", "STEPS_BOTH_UP", "STEPS_UNDEFINED", "STEPS_SKIPPED_NON_FINITE",
            "LOSS_SWITCHES", "CONTROL_REJECTED", "EVENTS_SENT", "EVENTS_SPOOLED", "EVENTS_DROPPED",
            "MONITOR_EVENTS", "MONITOR_DUPLICATES", "MONITOR_BAD_EVENTS", "MONITOR_ALERTS",
            "MONITOR_SWITCH_COMMANDS"}
ALLOWED_LABELS = {"run_id", "loss_type", "job", "instance", "__name__", "alertname", "alertstate", "severity"}
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h", '"$run_id"': '".*"',
                     "${run_id}": ".*", "$run_id": ".*"}
PROMQL_WORDS = {"untangle_alert_"}  # prefix used in a __name__ regex, not a metric by itself


def metric_names(repo: Path) -> set:
    src = (repo / "telemetry/src/main/java/dev/untangle/metrics/MetricNames.java").read_text()
    names = set()
    for const, dotted in re.findall(r'public static final String (\w+) = "(untangle\.[a-z.]+)";', src):
        prom = dotted.replace(".", "_")
        names.add(prom + "_total" if const in COUNTERS else prom)
    alert_src = (repo / "telemetry/src/main/java/dev/untangle/wire/Alert.java").read_text()
    kinds = re.search(r"enum Kind \{([^;}]*)", alert_src).group(1)
    for kind in re.findall(r"[A-Z_]+", kinds):
        names.add("untangle_alert_" + kind.lower() + "_firing")
    return names


class Findings:
    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append(f"{where}: {message}")


def check_exprs(where, expr, known, findings):
    for name in re.findall(r"\buntangle_[a-z_]+", expr):
        if name not in known and name not in PROMQL_WORDS:
            findings.add(where, f"unknown metric '{name}' (not rendered from MetricNames.java)")
    for matcher_block in re.findall(r"\{([^{}]*)\}", expr):
        for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", matcher_block):
            if label not in ALLOWED_LABELS:
                findings.add(where, f"label '{label}' is not one of {sorted(ALLOWED_LABELS)}")


def main(argv):
    repo = Path(argv[1])
    dashboard_path = Path(argv[2])
    rules_out = Path(argv[argv.index("--promql-rules") + 1]) if "--promql-rules" in argv else None
    findings = Findings()
    known = metric_names(repo)

    ds_file = repo / "dashboards/grafana/provisioning/datasources/prometheus.yaml"
    datasources = yaml.safe_load(ds_file.read_text())
    proms = [d for d in datasources.get("datasources", []) if d.get("type") == "prometheus"]
    if datasources.get("apiVersion") != 1 or len(proms) != 1 or not proms[0].get("uid"):
        findings.add(ds_file, "needs apiVersion 1 and exactly one prometheus datasource with a uid")
        uid = None
    else:
        uid = proms[0]["uid"]
    provider_file = repo / "dashboards/grafana/provisioning/dashboards/provider.yaml"
    providers = yaml.safe_load(provider_file.read_text())
    if providers.get("apiVersion") != 1 or not all(
            p.get("type") == "file" and p.get("options", {}).get("path") for p in providers.get("providers", [None])):
        findings.add(provider_file, "needs apiVersion 1 and file providers with options.path")

    dashboard = json.loads(dashboard_path.read_text())

    def check_ds(where, ref):
        if ref is None:
            findings.add(where, "no datasource (would fall back to the default; name it)")
        elif ref.get("type") == "grafana":
            return
        elif ref.get("uid") != uid:
            findings.add(where, f"datasource uid '{ref.get('uid')}' is not the provisioned '{uid}'")

    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    run_var = variables.get("run_id")
    if run_var is None:
        findings.add(dashboard_path, "no run_id template variable")
    else:
        check_ds(f"{dashboard_path}: templating run_id", run_var.get("datasource"))
        query = run_var.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        m = re.fullmatch(r"label_values\((\w+),\s*run_id\)", query or "")
        if not m or m.group(1) not in known:
            findings.add(f"{dashboard_path}: templating run_id", f"query '{query}' is not label_values(<known metric>, run_id)")

    exprs = []
    seen_ids = set()
    for panel in dashboard.get("panels", []):
        where = f"{dashboard_path}: panel {panel.get('id')} '{panel.get('title')}'"
        if panel.get("id") in seen_ids:
            findings.add(where, "duplicate panel id")
        seen_ids.add(panel.get("id"))
        if panel.get("type") == "row":
            continue
        check_ds(where, panel.get("datasource"))
        targets = panel.get("targets") or []
        if not targets:
            findings.add(where, "no targets")
        refs = [t.get("refId") for t in targets]
        if None in refs or len(set(refs)) != len(refs):
            findings.add(where, f"refIds missing or repeated: {refs}")
        for t in targets:
            twhere = f"{where} target {t.get('refId')}"
            check_ds(twhere, t.get("datasource"))
            if not (t.get("expr") or "").strip():
                findings.add(twhere, "empty expr")
                continue
            check_exprs(twhere, t["expr"], known, findings)
            exprs.append((f"panel{panel.get('id')}_{t.get('refId')}", twhere, t["expr"]))
    for i, ann in enumerate(dashboard.get("annotations", {}).get("list", [])):
        if ann.get("builtIn"):
            continue
        where = f"{dashboard_path}: annotation '{ann.get('name')}'"
        check_ds(where, ann.get("datasource"))
        expr = (ann.get("target") or {}).get("expr")
        if not expr:
            findings.add(where, "no target.expr")
            continue
        check_exprs(where, expr, known, findings)
        exprs.append((f"annotation{i}", where, expr))

    rules_file = repo / "dashboards/prometheus/rules/untangle.rules.yml"
    for group in yaml.safe_load(rules_file.read_text())["groups"]:
        for rule in group["rules"]:
            check_exprs(f"{rules_file}: {rule.get('alert') or rule.get('record')}", rule["expr"], known, findings)

    if rules_out:
        rules = []
        for name, where, expr in exprs:
            for var, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(var, value)
            if "$" in expr:
                findings.add(where, f"unresolved Grafana variable in '{expr}'")
            rules.append({"record": "dashboard:" + name, "expr": expr})
        rules_out.write_text(yaml.safe_dump({"groups": [{"name": "dashboard-exprs", "rules": rules}]}, sort_keys=False))
        print(f"{len(rules)} dashboard expressions written to {rules_out} for promtool")

    for item in findings.items:
        print(item, file=sys.stderr)
    if findings.items:
        return 1
    print(f"{dashboard_path}: provisioning, datasource uids, run_id variable, metric names and labels consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
