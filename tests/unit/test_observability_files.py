"""The Grafana dashboard and the Prometheus alert rules (k8s/components/observability/files/) read only metrics the
services export, with labels those metrics have: a renamed metric or label would otherwise leave a panel empty and an
alert silent, which nobody notices until the day it should fire. The collector's span metrics are checked against a
real collector in tests/e2e/test_traces.py."""

from __future__ import annotations

from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

import services.search.opensearch  # noqa: F401  (defines coins_search_index_lag_seconds)
from services.common import metrics
from tests.support import promql

# Added by Prometheus to every series it scrapes (k8s/components/observability/prometheus.yml relabelling), and the
# bucket bound of histograms.
SCRAPE_LABELS = {"service", "pod", "job", "instance"}
COLLECTOR_PREFIX = "traces_span_metrics_"  # the collector's span_metrics connector


def exported() -> dict[str, tuple[str, set[str]]]:
    """Every series name the services' /metrics can show, with its metric's name and its labels."""
    series: dict[str, tuple[str, set[str]]] = {}
    wrappers = [m for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)]
    wrappers.append(services.search.opensearch.INDEX_LAG)
    for wrapper in wrappers:
        labels = set(wrapper._labelnames)  # prometheus_client keeps them only there
        for family in wrapper.describe():
            suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}.get(family.type, [""])
            for suffix in suffixes:
                series[family.name + suffix] = (family.name, labels | ({"le"} if suffix == "_bucket" else set()))
    metrics.watch_pool("probe", lambda: metrics.PoolUse(0, 0, 0))  # the pool collector shows nothing without one
    try:
        for family in REGISTRY.collect():
            if family.name.startswith("coins_db_pool_"):
                series[family.name] = (family.name, {"pool"})
    finally:
        metrics.forget_pool("probe")
    return series


def test_every_metric_and_label_the_dashboard_and_alerts_read_is_exported():
    known = {name: labels for name, (_, labels) in exported().items()}
    assert "coins_rpc_requests_total" in known and "coins_db_pool_connections_in_use" in known  # the walk works
    problems = []
    for query in promql.dashboard_queries() + promql.rule_queries():
        ours = {name: labels for name, labels in query.metrics.items() if not name.startswith(COLLECTOR_PREFIX)}
        for name, labels in ours.items():
            if name not in known:
                problems.append(f"{query.where}: no service exports {name}")
            elif unknown := labels - known[name] - SCRAPE_LABELS:
                problems.append(f"{query.where}: {name} has no label {sorted(unknown)}")
        grouped = set().union(*(known.get(name, set()) for name in ours), SCRAPE_LABELS)
        if ours and (unknown := query.grouping - grouped):
            problems.append(f"{query.where}: groups by {sorted(unknown)}, which none of {sorted(ours)} has")
    assert problems == []


def test_every_exported_metric_shows_on_the_dashboard():
    shown = {name for query in promql.dashboard_queries() for name in query.metrics}
    families: dict[str, set[str]] = {}
    for name, (family, _) in exported().items():
        families.setdefault(family, set()).add(name)
    assert {family for family, names in families.items() if not names & shown} == set()


def test_each_alert_says_what_to_do_in_one_runbook_line():
    rules = promql.alert_rules()
    assert {rule["alert"] for rule in rules} >= {"CoinsRpcErrorRate", "CoinsRpcLatencyP99", "CoinsEventConsumerLag",
                                                  "CoinsOutboxAge"}
    for rule in rules:
        runbook = rule["annotations"].get("runbook", "")
        assert runbook.strip() and "\n" not in runbook.strip(), rule["alert"]
        assert rule["labels"]["severity"] in ("page", "ticket"), rule["alert"]
        assert rule.get("for"), f"{rule['alert']} would fire on a single bad scrape"


def test_the_reader_finds_names_and_labels_in_promql():
    query = promql.parse("example", 'sum by (service, le) (rate(a_bucket{x="1", y=~"$v"}[$__rate_interval])) '
                                    '/ on(service) group_left b > 0.5 and histogram_quantile(0.99, c)')
    assert query.metrics == {"a_bucket": {"x", "y"}, "b": set(), "c": set()}
    assert query.grouping == {"service", "le"}
