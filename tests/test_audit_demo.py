"""The audit against the demo generator's ground truth (`store.demo`): on a township-size demo database with
planted faults, every planted fault is reported (recall 100 %) and no record outside the manifest gets an E."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from collections import defaultdict
from pathlib import Path

import pytest

from checks.engine import run_audit
from store import db

AS_OF = dt.date(2026, 11, 15)
HAVE_DEMO = importlib.util.find_spec("store.demo") is not None

pytestmark = pytest.mark.skipif(not HAVE_DEMO, reason="store.demo (the demo generator) is not available yet")


async def test_demo_recall_and_precision(tmp_path: Path) -> None:
    from store.demo_build import build_demo, manifest_path

    target = db.resolve(tmp_path / "demo.sqlite3")
    await build_demo(target, persons=5000, seed=11, error_rate=0.05, as_of=AS_OF)
    manifest = json.loads(manifest_path(target).read_text(encoding="utf-8"))
    async with db.database(target):
        summary = await run_audit(AS_OF, today=AS_OF)
    found: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for f in summary.findings:
        found[f.rule].add((f.household_code, f.person_key))
    planted = {(item["household_code"], item.get("person_key")) for items in manifest["faults"].values()
               for item in items}  # fmt: skip
    missed = [(rule, item) for rule, items in manifest["faults"].items() for item in items
              if (item["household_code"], item.get("person_key")) not in found[rule]]  # fmt: skip
    assert sum(len(items) for items in manifest["faults"].values()) > 100
    assert missed == []
    unlisted = [f.to_json() for f in summary.findings
                if f.severity == "E" and (f.household_code, f.person_key) not in planted]  # fmt: skip
    assert unlisted == []
