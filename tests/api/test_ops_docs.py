"""docs/ops: the alert rules, scrape config and dashboard name only metrics the
service exports, and parse (a renamed metric would silently empty a dashboard)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

OPS = Path(__file__).resolve().parents[2] / "docs" / "ops"


def test_the_ops_files_name_only_exported_metrics(client: TestClient) -> None:
    client.get("/healthz")
    exported = set(re.findall(r"^# TYPE (\w+) ", client.get("/metrics").text, re.MULTILINE))
    exported |= {f"{m}_bucket" for m in exported} | {f"{m}_count" for m in exported}
    named: set[str] = set()
    for path in OPS.iterdir():
        text = path.read_text(encoding="utf-8")
        json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        named |= set(re.findall(r"\bstationfinder_[a-z_]+", text))
    named.discard("stationfinder_metrics_token")
    assert named
    assert named <= exported, named - exported
