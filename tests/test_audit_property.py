"""Property: the whole-database audit and the inline audit (audit_record + load_context) of each household
give the same findings, on random household files and on families linked across households."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.engine import audit_record, load_context, run_audit
from store import db
from store.importer import import_file
from store.interchange import to_plain
from store.records import load_households
from tests.support.households import UNITS, household_file
from tests.support.rules import D, family, id_for

AS_OF = dt.date(2026, 11, 15)


async def both_ways(lines: list[dict[str, Any]], folder: Path) -> tuple[list[str], list[str]]:
    source = folder / "in.jsonl"
    source.write_text("".join(json.dumps(to_plain(o), ensure_ascii=False) + "\n" for o in lines), encoding="utf-8")
    async with db.database(folder / "p.sqlite3"):
        report = await import_file(source, operator="prop")
        assert report.errors == []
        summary = await run_audit(AS_OF, today=AS_OF)
        whole = [json.dumps(f.to_json(), ensure_ascii=False, sort_keys=True) for f in summary.findings]
        codes = [r[0] for r in await db.fetch("SELECT code FROM household")]
        inline = []
        for record in (await load_households(codes)).values():
            ctx = await load_context(record, AS_OF)
            for f in audit_record(record, ctx, AS_OF, today=AS_OF):
                inline.append(json.dumps(f.to_json(), ensure_ascii=False, sort_keys=True))
    return sorted(whole), sorted(inline)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(household_file())
def test_random_files_audit_the_same_both_ways(lines: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        whole, inline = asyncio.run(both_ways(lines, Path(folder)))
    assert whole == inline


def _family(i: int, village: str) -> dict[str, Any]:
    record = copy.deepcopy(family())
    renamed = {p["key"]: f"f{i}-{p['key']}" for p in record["members"]}
    for p in record["members"]:
        for field in ("key", "spouse", "mother", "father"):
            if p.get(field):
                p[field] = renamed.get(p[field], p[field])
        for c in (p.get("woman") or {}).get("children") or ():
            c["member"] = renamed.get(c["member"], c["member"])
        if p["birth_date"]:
            p["id_number"] = id_for(p["birth_date"], p["sex"])
    code = f"{village}01{i + 1:04d}"
    record["household"].update(code=code, unit=village, group="01")
    return record


LINKS = ("spouse", "mother", "same_id", "same_nsb", "cancel", "sex", "move_wife", "legacy_id", "lower_x")


@st.composite
def linked_families(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(2, 5))
    villages = ["430426101201", "430426102201"]
    records = [_family(i, draw(st.sampled_from(villages))) for i in range(count)]
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(LINKS))
        a, b = draw(st.integers(0, count - 1)), draw(st.integers(0, count - 1))
        pa = draw(st.sampled_from(records[a]["members"]))
        pb = draw(st.sampled_from(records[b]["members"]))
        if kind == "spouse":
            pa["spouse"] = pb["key"]
        elif kind == "mother":
            pa["mother"] = pb["key"]
        elif kind == "same_id":
            pa["id_number"] = pb["id_number"]
        elif kind == "same_nsb":
            pa.update(name=pb["name"], sex=pb["sex"], birth_date=pb["birth_date"], id_number=None)
        elif kind == "cancel":
            pa["cancel"] = {"reason": draw(st.sampled_from(["01", "02", "04"])), "date": D(2026, 1, 1)}
        elif kind == "sex":
            pa["sex"] = "1" if pa["sex"] == "2" else "2"
        elif kind == "legacy_id" and pb["id_number"] and pb["id_number"][6:8] == "19":
            pa["id_number"] = pb["id_number"][:6] + pb["id_number"][8:17]  # the 15-digit form of b's number
        elif kind == "lower_x" and pb["id_number"]:
            pa["id_number"] = pb["id_number"][:17] + "x"
        elif kind == "move_wife" and a != b:
            wife = records[a]["members"][1]
            if wife in records[a]["members"] and len(records[a]["members"]) > 1:
                records[a]["members"].remove(wife)
                records[b]["members"].append(wife)
    units = [*UNITS, {"unit": {"code": "430426102", "name": "二镇", "level": "township", "parent": "430426"}},
             {"unit": {"code": "430426102201", "name": "二村", "level": "village", "parent": "430426102"}}]  # fmt: skip
    return units + records


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(linked_families())
def test_linked_families_audit_the_same_both_ways(lines: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        whole, inline = asyncio.run(both_ways(lines, Path(folder)))
    assert whole == inline
