"""Import and export of household files (interchange §1) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store import db
from store.exporter import export_households
from store.importer import import_file
from store.interchange import parse_line
from tests.support.data import EXAMPLE_FILE, SHARED_EXAMPLE

TABLES = ("unit", "household", "person", "child", "pregnancy", "benefit", "confirmation", "change_event")


async def snapshot() -> dict[str, int]:
    """Row counts of the data tables."""
    return {t: int(await db.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}


def normalised(path: Path) -> list[tuple[object, object]]:
    """Each line of a file parsed into its normalised (unit, household) form."""
    lines = [t for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]
    parsed = (parse_line(t, n) for n, t in enumerate(lines, 1))
    return [(p.unit, p.household) for p in parsed if p.unit or p.household]  # the records, not the other tables


def lines_of(path: Path) -> list[dict]:
    return [json.loads(t) for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]


def write_lines(path: Path, objects: list[dict]) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8")
    return path


def test_example_copy_matches_shared_spec() -> None:
    if not SHARED_EXAMPLE.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert EXAMPLE_FILE.read_bytes() == SHARED_EXAMPLE.read_bytes()


async def test_example_imports_and_round_trips(store_db: db.DbTarget, tmp_path: Path) -> None:
    report = await import_file(EXAMPLE_FILE, operator="tester")
    assert report.errors == []
    assert report.counts["persons_new"] == 7
    assert report.households == 3
    counts = await snapshot()
    assert counts["person"] == 7 and counts["unit"] == 4 and counts["child"] == 3
    out = tmp_path / "out.jsonl"
    households, persons = await export_households(out, operator="tester")
    assert (households, persons) == (3, 7)
    assert normalised(out) == normalised(EXAMPLE_FILE)
    actions = [r[0] for r in await db.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["import", "export"]


async def test_reimport_is_idempotent(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    before = await snapshot()
    versions = await db.fetch("SELECT key, version FROM person ORDER BY key")
    report = await import_file(EXAMPLE_FILE, operator="tester")
    assert report.counts == {"households_new": 0, "households_changed": 0, "persons_new": 0,
                             "persons_changed": 0, "events": 0}  # fmt: skip
    assert await snapshot() == before
    assert await db.fetch("SELECT key, version FROM person ORDER BY key") == versions


async def test_changed_person_is_updated_with_event(store_db: db.DbTarget, tmp_path: Path) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    objects = lines_of(EXAMPLE_FILE)
    household = next(o for o in objects if "household" in o and o["household"]["code"].endswith("010012"))
    husband = household["members"][0]
    husband["death_date"] = "2026-10-03"
    husband["cancel"] = {"reason": "01", "date": "2026-10-05"}
    report = await import_file(write_lines(tmp_path / "changed.jsonl", objects), operator="tester")
    assert report.counts["persons_changed"] == 1 and report.counts["persons_new"] == 0
    row = await db.fetch("SELECT version, death_date, cancel_reason FROM person WHERE key = ?", [husband["key"]])
    assert row[0][0] == 2 and str(row[0][1]) == "2026-10-03" and row[0][2] == "01"
    events = await db.fetch(
        "SELECT e.kind FROM change_event e JOIN person p ON p.id = e.person_id WHERE p.key = ? AND e.kind = 'death'",
        [husband["key"]],
    )
    assert len(events) == 1


async def test_contraception_change_keeps_history(store_db: db.DbTarget, tmp_path: Path) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    objects = lines_of(EXAMPLE_FILE)
    wife = next(m for o in objects if "household" in o for m in o["members"] if m.get("woman"))
    old = dict(wife["woman"]["contraception"])
    wife["woman"]["contraception"] = {"method": "02", "since": "2026-09-01", "failure": None}
    await import_file(write_lines(tmp_path / "c.jsonl", objects), operator="tester")
    rows = await db.fetch(
        "SELECT h.method, h.since FROM contraception_history h JOIN person p ON p.id = h.woman_id WHERE p.key = ?",
        [wife["key"]],
    )
    assert [(r[0], str(r[1])) for r in rows] == [(old["method"], old["since"])]


def _break(objects: list[dict], how: str) -> list[dict]:
    household = next(o for o in objects if "household" in o)
    member = household["members"][0]
    if how == "unknown_code":
        member["ethnicity"] = "77"
    elif how == "impossible_date":
        member["birth_date"] = "1985-02-30"
    elif how == "dangling_key":
        member["spouse"] = "nobody-here"
    elif how == "unit_mismatch":
        household["household"]["unit"] = "430426101299"
    elif how == "one_digit_relation":
        member["relation"] = "0"
    elif how == "too_long_text":
        member["occupation"] = "种" * 61
    elif how == "bad_place_code":
        member["registered_place_code"] = "4304"
    elif how == "duplicate_household":
        objects.append(json.loads(json.dumps(household)))
    return objects


@pytest.mark.parametrize(
    "how", ["unknown_code", "impossible_date", "dangling_key", "unit_mismatch", "one_digit_relation",
            "duplicate_household", "too_long_text", "bad_place_code"],
)  # fmt: skip
async def test_structural_errors_change_nothing(store_db: db.DbTarget, tmp_path: Path, how: str) -> None:
    before = await snapshot()
    path = write_lines(tmp_path / f"{how}.jsonl", _break(lines_of(EXAMPLE_FILE), how))
    report = await import_file(path, operator="tester")
    assert report.errors, how
    first = report.errors[0]
    assert first.line >= 5 and str(first).startswith(f"第 {first.line} 行：")
    assert await snapshot() == before


async def test_bad_json_line_reported_with_line_number(store_db: db.DbTarget, tmp_path: Path) -> None:
    text = EXAMPLE_FILE.read_text(encoding="utf-8").splitlines()
    text.insert(5, '{"household": {"code": "4304261012010100')
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    before = await snapshot()
    report = await import_file(path, operator="tester")
    assert [e.line for e in report.errors] == [6]
    assert "JSON" in report.errors[0].message
    assert await snapshot() == before


async def test_partial_import_writes_rejects_unchanged(store_db: db.DbTarget, tmp_path: Path) -> None:
    objects = _break(lines_of(EXAMPLE_FILE), "impossible_date")
    path = write_lines(tmp_path / "p.jsonl", objects)
    report = await import_file(path, operator="tester", partial=True)
    assert report.rejected_lines == 1
    bad_line = path.read_text(encoding="utf-8").splitlines()[4]
    assert report.reject_path is not None
    assert report.reject_path.read_text(encoding="utf-8") == bad_line + "\n"
    assert int(await db.scalar("SELECT count(*) FROM household")) == 2


async def test_dropping_a_stored_member_is_refused(store_db: db.DbTarget, tmp_path: Path) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    objects = lines_of(EXAMPLE_FILE)
    household = next(o for o in objects if "household" in o and len(o["members"]) > 2)
    household["members"].pop()
    report = await import_file(write_lines(tmp_path / "d.jsonl", objects), operator="tester")
    assert any("注销" in e.message for e in report.errors)


async def test_unknown_keys_are_listed_and_ignored(store_db: db.DbTarget, tmp_path: Path) -> None:
    objects = lines_of(EXAMPLE_FILE)
    next(o for o in objects if "household" in o)["members"][0]["nickname"] = "老李"
    report = await import_file(write_lines(tmp_path / "u.jsonl", objects), operator="tester")
    assert report.errors == []
    assert report.unknown_keys["members[0].nickname"] == 1


async def test_not_utf8_file_is_refused(store_db: db.DbTarget, tmp_path: Path) -> None:
    from store.errors import StoreError

    path = tmp_path / "gbk.jsonl"
    path.write_bytes(EXAMPLE_FILE.read_text(encoding="utf-8").encode("gbk"))
    with pytest.raises(StoreError, match="UTF-8"):
        await import_file(path, operator="tester")
    assert (await snapshot())["person"] == 0


async def test_export_of_one_village(store_db: db.DbTarget, tmp_path: Path) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    out = tmp_path / "v.jsonl"
    households, _ = await export_households(out, operator="tester", unit="430426101202")
    codes = [o["unit"]["code"] for o in lines_of(out) if "unit" in o]
    assert households == 1 and codes == ["430426", "430426101", "430426101202"]


@pytest.mark.parametrize("order", ["new_first", "old_first"])
async def test_person_moving_to_another_household(store_db: db.DbTarget, tmp_path: Path, order: str) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    objects = lines_of(EXAMPLE_FILE)
    households = [o for o in objects if "household" in o]
    source = next(h for h in households if h["household"]["code"].endswith("010012"))
    target = next(h for h in households if h is not source and h["household"]["code"].startswith("430426101201"))
    mover = source["members"].pop()
    target["members"].append(mover)
    units = [o for o in objects if "unit" in o]
    ordered = [target, source] if order == "new_first" else [source, target]
    report = await import_file(write_lines(tmp_path / "move.jsonl", units + ordered), operator="tester")
    assert report.errors == []
    code = await db.scalar("SELECT household_id FROM person WHERE key = ?", [mover["key"]])
    assert code == target["household"]["code"]


async def test_same_key_with_another_id_number_is_updated_with_a_warning(store_db: db.DbTarget, tmp_path: Path) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    objects = lines_of(EXAMPLE_FILE)
    person = next(o for o in objects if "household" in o)["members"][0]
    person["id_number"] = "110102199101010078"
    report = await import_file(write_lines(tmp_path / "other.jsonl", objects), operator="tester")
    assert report.errors == [] and report.counts["persons_changed"] == 1
    assert len(report.warnings) == 1 and "110102199101010078" in report.warnings[0].message
