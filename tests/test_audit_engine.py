"""The whole-database audit, the inline audit with its database context, re-audits and confirmations, on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from checks import engine
from checks.confirm import confirm
from checks.engine import audit_record, load_context, reaudit_households, run_audit
from store import db
from store.errors import StoreError
from store.importer import import_file
from store.records import load_households
from tests.support.data import EXAMPLE_FILE
from tests.support.rules import D

AS_OF = dt.date(2026, 11, 15)


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(t) for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]


def write_lines(path: Path, objects: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8")
    return path


async def stored() -> list[tuple[str, str | None, str]]:
    rows = await db.fetch("SELECT rule, person_key, household_code FROM finding ORDER BY rule, person_key")
    return [(r[0], r[1], r[2]) for r in rows]


async def test_example_file_raises_no_finding(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    summary = await run_audit(AS_OF, today=AS_OF)
    assert [f.to_json() for f in summary.findings] == []
    assert summary.households == 3 and summary.persons == 7
    assert await stored() == []


async def broken_example(tmp_path: Path) -> Path:
    """The example with faults across households: a duplicate ID, spouses in two households, a wrong sex."""
    objects = lines_of(EXAMPLE_FILE)
    households = [o for o in objects if "household" in o]
    first, _, third = households
    husband = first["members"][0]
    third["members"][0]["id_number"] = husband["id_number"]  # DUP1 across households
    wife = first["members"][1]
    wife["sex"] = "1"  # ID05, HH02, MAR5 (pair)
    return write_lines(tmp_path / "broken.jsonl", objects)


async def test_whole_audit_matches_inline_audit(store_db: db.DbTarget, tmp_path: Path) -> None:
    await import_file(await broken_example(tmp_path), operator="tester")
    summary = await run_audit(AS_OF, today=AS_OF)
    rules = {(f.rule, f.person_key) for f in summary.findings}
    assert {("DUP1", "h12-1"), ("DUP1", "f21-1"), ("MAR5", "h12-1"), ("MAR5", "h12-2"), ("ID05", "h12-2")} <= rules
    assert len(await stored()) == len(summary.findings)
    records = await load_households([r[2] for r in await db.fetch("SELECT 1, 2, code FROM household")])
    inline = []
    for record in records.values():
        ctx = await load_context(record, AS_OF)
        inline += [f.to_json() for f in audit_record(record, ctx, AS_OF, today=AS_OF)]
    key = lambda f: json.dumps(f, sort_keys=True, ensure_ascii=False)  # noqa: E731
    assert sorted(inline, key=key) == sorted((f.to_json() for f in summary.findings), key=key)


async def test_unsaved_record_sees_the_database(store_db: db.DbTarget) -> None:
    """The inline audit of a new household: its member shares an ID and links a spouse stored elsewhere."""
    await import_file(EXAMPLE_FILE, operator="tester")
    records = await load_households(["430426101201010012"])
    stored_husband = records["430426101201010012"]["members"][0]
    from tests.support.rules import household, person

    newcomer = person("new-1", name="刘某", id_number=stored_husband["id_number"], marital_status="21",
                      first_marriage_date=D(2009, 10, 1), spouse="h12-2")  # fmt: skip
    record = household(newcomer, code="430426101201010099")
    ctx = await load_context(record, AS_OF)
    found = {(f.rule, f.related) for f in audit_record(record, ctx, AS_OF, today=AS_OF)}
    assert ("DUP1", ("h12-1",)) in found
    assert ("MAR6", ()) in found  # h12-2 links h12-1, not the newcomer
    assert ("MAR7", ("h12-2",)) in found


async def test_reaudit_updates_partners(store_db: db.DbTarget, tmp_path: Path) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    await run_audit(AS_OF, today=AS_OF)
    objects = lines_of(EXAMPLE_FILE)
    third = [o for o in objects if "household" in o][2]
    third["members"][0]["id_number"] = "430426198407210133"  # the husband of household 010012
    path = write_lines(tmp_path / "one.jsonl", [o for o in objects if "unit" in o] + [third])
    await import_file(path, operator="tester")
    new = await reaudit_households([third["household"]["code"]], AS_OF)
    assert {f.rule for f in new} >= {"DUP1"}
    rows = await stored()
    assert ("DUP1", "h12-1", "430426101201010012") in rows  # the partner's household was re-audited too
    third["members"][0]["id_number"] = "510722199011030350"
    await import_file(write_lines(tmp_path / "two.jsonl", [o for o in objects if "unit" in o] + [third]), operator="t")
    await reaudit_households([third["household"]["code"]], AS_OF)
    assert [r for r in await stored() if r[0] == "DUP1"] == []


async def test_confirmation_silences_until_the_record_changes(store_db: db.DbTarget, tmp_path: Path) -> None:
    objects = lines_of(EXAMPLE_FILE)
    first = next(o for o in objects if "household" in o)
    first["members"][1]["first_marriage_date"] = first["members"][0]["first_marriage_date"] = (
        "2006-08-01"  # wife 19, husband 22
    )
    await import_file(write_lines(tmp_path / "m.jsonl", objects), operator="tester")
    summary = await run_audit(AS_OF, today=AS_OF)
    assert [(f.rule, f.person_key, f.confirmed) for f in summary.findings] == [("MAR2", "h12-2", False)]
    with pytest.raises(StoreError, match="只有预警"):
        await confirm("h12-2", "MAR5", None, "理由", "tester")
    with pytest.raises(StoreError, match="理由"):
        await confirm("h12-2", "MAR2", None, " ", "tester")
    done = await confirm("h12-2", "MAR2", None, "户口簿核实，少数民族地区婚龄", "审核员甲")
    assert done.confirmed and done.rule == "MAR2"
    assert (await db.fetch("SELECT confirmed FROM finding WHERE rule = 'MAR2'"))[0][0]
    log = await db.fetch("SELECT username, action, target FROM audit_log WHERE action = 'confirm'")
    assert [(r[0], r[1], r[2]) for r in log] == [("审核员甲", "confirm", "h12-2")]
    summary = await run_audit(AS_OF, today=AS_OF)
    assert [(f.rule, f.confirmed) for f in summary.findings] == [("MAR2", True)]
    # the record changes (a new version): the confirmation no longer silences
    first["members"][1]["education"] = "60"
    await import_file(write_lines(tmp_path / "m2.jsonl", objects), operator="tester")
    summary = await run_audit(AS_OF, today=AS_OF)
    assert [(f.rule, f.confirmed) for f in summary.findings] == [("MAR2", False)]


async def test_imported_confirmation_silences_until_its_fields_change(store_db: db.DbTarget, tmp_path: Path) -> None:
    objects = lines_of(EXAMPLE_FILE)
    first = next(o for o in objects if "household" in o)
    wife = first["members"][1]
    wife["first_marriage_date"] = first["members"][0]["first_marriage_date"] = "2006-08-01"
    wife["confirmations"] = [{"rule": "MAR2", "fields": ["first_marriage_date", "birth_date"], "reason": "核实",
                              "by": "县审核员", "at": "2026-10-01 10:00:00"}]  # fmt: skip
    await import_file(write_lines(tmp_path / "c.jsonl", objects), operator="tester")
    assert [(f.rule, f.confirmed) for f in (await run_audit(AS_OF, today=AS_OF)).findings] == [("MAR2", True)]
    wife["education"] = "60"  # another field: still silenced
    await import_file(write_lines(tmp_path / "c2.jsonl", objects), operator="tester")
    assert [(f.rule, f.confirmed) for f in (await run_audit(AS_OF, today=AS_OF)).findings] == [("MAR2", True)]
    wife["first_marriage_date"] = first["members"][0]["first_marriage_date"] = "2006-09-01"  # one of its fields
    await import_file(write_lines(tmp_path / "c3.jsonl", objects), operator="tester")
    assert [(f.rule, f.confirmed) for f in (await run_audit(AS_OF, today=AS_OF)).findings] == [("MAR2", False)]


async def test_parallel_workers_give_the_same_findings(sqlite_path: Path, tmp_path: Path, monkeypatch: Any) -> None:
    async with db.database(db.resolve(sqlite_path)):
        await import_file(await broken_example(tmp_path), operator="tester")
        one = [f.to_json() for f in (await run_audit(AS_OF, today=AS_OF)).findings]
        monkeypatch.setenv("RENKOU_AUDIT_WORKERS", "2")
        assert engine.worker_count(3) == 2
        two = [f.to_json() for f in (await run_audit(AS_OF, today=AS_OF)).findings]
    assert one == two and one
