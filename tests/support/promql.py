"""What the dashboard and alert rules (k8s/components/observability/files/) ask Prometheus for: the metric names and
label names in their PromQL, found well enough to check them against what the services and the collector export.
Not a PromQL parser: selectors, `by (...)` groupings and Grafana's label_values() are all the files use."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FILES = Path(__file__).resolve().parents[2] / "k8s" / "components" / "observability" / "files"
DASHBOARD = FILES / "grafana-dashboard.json"
RULES = FILES / "prometheus-rules.yaml"

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SELECTOR = re.compile(rf"({_NAME})?\s*\{{([^}}]*)\}}")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_LABEL_VALUES = re.compile(rf"^label_values\(\s*({_NAME})\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$")
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}


@dataclass
class Query:
    """One expression: each metric it reads with the labels its matchers name, and the labels it groups by."""

    where: str
    expr: str
    metrics: dict[str, set[str]] = field(default_factory=dict)
    grouping: set[str] = field(default_factory=set)


def parse(where: str, expr: str) -> Query:
    query = Query(where, expr)
    values = _LABEL_VALUES.match(expr.strip())
    if values:  # a Grafana variable's query, not PromQL
        query.metrics[values[1]] = {values[2]}
        return query
    rest = expr
    for found in _SELECTOR.finditer(expr):
        if found[1] and found[1] not in _KEYWORDS:
            query.metrics.setdefault(found[1], set()).update(_MATCHER.findall(found[2]))
    rest = _SELECTOR.sub(lambda m: " " if not m[1] or m[1] in _KEYWORDS else f" {m[1]} ", rest)
    for found in _GROUPING.finditer(rest):
        query.grouping.update(label.strip() for label in found[2].split(",") if label.strip())
    rest = _GROUPING.sub(" ", rest)
    rest = re.sub(r"\[[^\]]*\]", " ", rest)  # range selectors: [5m], [$__rate_interval]
    rest = re.sub(r'"[^"]*"', " ", rest)
    for found in re.finditer(rf"({_NAME})\s*(\()?", rest):
        name, call = found[1], found[2]
        if not call and name not in _KEYWORDS and not re.fullmatch(r"[0-9.e]+", name):
            query.metrics.setdefault(name, set())
    return query


def dashboard_queries() -> list[Query]:
    board = json.loads(DASHBOARD.read_text())
    found = [parse(f"dashboard variable {v['name']}", v["definition"]) for v in board["templating"]["list"]]
    for panel in board["panels"]:
        found += [parse(f"panel {panel['title']!r}", target["expr"]) for target in panel.get("targets", [])]
    return found


def alert_rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def rule_queries() -> list[Query]:
    return [parse(f"alert {rule['alert']}", rule["expr"]) for rule in alert_rules()]
