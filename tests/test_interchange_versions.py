"""The versioned household file (interchange §1.1): closed months, sign-offs, contraception history and change
events round-trip exactly on SQLite and PostgreSQL; version-1 files still import; unreadable versions and bad
rows are refused in Chinese, changing nothing; names are checked on every entry path (issue 9)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from exports import monthly_data
from exports.request import Month
from store import access, changes, db, months, schema, service
from store.errors import StoreError
from store.exporter import export_households
from store.importer import import_file
from store.interchange_tables import FORMAT_VERSION, SECTIONS
from store.records import load_households
from store.reversal import reverse_event
from tests.support.data import CODE, EXAMPLE_FILE

TABLES = ("unit", "household", "person", "child", "pregnancy", "benefit", "confirmation", "change_event",
          "contraception_history", "month_close", "month_signoff", "event_reversal", "field_change",
          "marriage_history", "mgmt_history", "residence_history")  # fmt: skip
VILLAGE, OTHER_VILLAGE = "430426101201", "430426101202"
HOUSEHOLD_3, OUTFLOW_DAY = "430426101201020003", "2026-11-10"
ADMIN = access.Actor("boss", "王主任", "admin")
#: the items the wrong 流出 changed (and the reversal put back)
CHANGED = ["residence_status", "mgmt", "flow"]
#: a file of format version 2 as the program of commit 7f3ebfe wrote it (tests/data/build_v2_file.py)
V2_FILE = Path(__file__).parent / "data" / "households-v2.jsonl"
FIGURES = json.dumps({"人口": {"期末": 7}, "出生": 0}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


async def snapshot() -> dict[str, int]:
    """Row counts of the data tables."""
    return {t: int(await db.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(t) for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]


def write_lines(path: Path, objects: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8")
    return path


async def _build_rich(folder: Path) -> Path:
    """An SQLite database with a row in every section (a reopened and a current close, a sign-off, a replaced
    contraception, a late report counted in a later month and a correction line, every person's histories, a
    wrong 流出 of 赵桂英 saved by a clerk — its field changes and history entries name its event — and reversed
    by an admin), exported."""
    async with db.database(folder / "rich.sqlite3"):
        assert (await import_file(EXAMPLE_FILE, operator="import")).errors == []
        await months.close_month(VILLAGE, "2026-10", FIGURES, "boss")
        await months.reopen_month(VILLAGE, "2026-10", "补录漏报的出生", "boss")
        await months.close_month(VILLAGE, "2026-10", FIGURES, "boss")
        await months.sign_off(OTHER_VILLAGE, "2026-11", "rev", "张审核")
        objects = lines_of(EXAMPLE_FILE)
        wife = next(m for o in objects if "household" in o for m in o["members"] if m.get("woman"))
        wife["woman"]["contraception"] = {"method": "02", "since": "2026-09-01", "failure": None}
        householder = next(o for o in objects if o.get("household", {}).get("code") == CODE)["members"][0]
        householder["death_date"] = "2026-10-03"  # in the closed October: counted later, as 补报
        householder["cancel"] = {"reason": "01", "date": "2026-10-05"}
        assert (await import_file(write_lines(folder / "changed.jsonl", objects), operator="clerk")).errors == []
        await db.execute(
            "INSERT INTO change_event (kind, event_date, person_id, household_code, entered_at, operator, source, "
            "report_month, correction) SELECT 'birth', '2026-10-09', id, household_id, '2026-11-20 09:30:00', "
            "'clerk', 'app', '2026-11', ? FROM person WHERE key = 'h12-4'",
            [True],
        )
        for stmt in schema.HISTORY_SEEDS:  # the histories (an import feeds none): every person's current state
            await db.execute(stmt)
        await changes.save_change("outflow", HOUSEHOLD_3, {"person": "h3-1", "date": OUTFLOW_DAY,
                                                           "place_code": "440305"}, operator="clerk")  # fmt: skip
        event = await db.scalar("SELECT id FROM change_event WHERE kind = 'outflow'")
        assert (await reverse_event(int(event), "录错了人", actor=ADMIN)).withdrawn
        await export_households(folder / "rich.jsonl", operator="t")
    return folder / "rich.jsonl"


@pytest.fixture(scope="module")
def rich_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export of the rich SQLite database (built once)."""
    return asyncio.run(_build_rich(tmp_path_factory.mktemp("rich")))


def section_lines(path: Path, name: str) -> list[dict[str, Any]]:
    return [o[name] for o in lines_of(path) if name in o]


def test_the_rich_file_has_every_section(rich_file: Path) -> None:
    objects = lines_of(rich_file)
    assert objects[0] == {"format": {"version": FORMAT_VERSION}}
    for section in SECTIONS:
        assert section_lines(rich_file, section.name), section.name
    closes = section_lines(rich_file, "month_close")
    assert [c["reopen_reason"] for c in closes] == ["补录漏报的出生", None]
    events = section_lines(rich_file, "change_event")
    assert any(e["kind"] == "death" and e["event_date"] == "2026-10-03" and e["report_month"] > "2026-10"
               for e in events)  # fmt: skip
    assert any(e["correction"] for e in events)
    outflow = next(e for e in events if e["kind"] == "outflow")  # named by its items, never by its id
    assert section_lines(rich_file, "event_reversal") == [
        {"person": "h3-1", "event_id": outflow, "reason": "录错了人", "reversed_by": "boss",
         "reversed_at": section_lines(rich_file, "event_reversal")[0]["reversed_at"], "withdrawn": True}]  # fmt: skip
    changed = [(c["field"], c["changed_by"], c["event_id"]) for c in section_lines(rich_file, "field_change")]
    assert changed == [(f, "clerk", outflow) for f in CHANGED] + [(f, "boss", None) for f in CHANGED]
    assert [h["began"] for h in section_lines(rich_file, "mgmt_history") if h["event_id"] == outflow] == ["outflow"]


async def _outflow_lines() -> list[str]:
    """The change lines of 赵桂英 in November (the month her wrong 流出 was withdrawn from)."""
    rows = await monthly_data.read_changes(VILLAGE, Month(2026, 11), {})
    return [r.kind for r in rows if r.name == "赵桂英"]


async def test_an_imported_reversal_still_withdraws_its_event(store_db: db.DbTarget, rich_file: Path) -> None:
    report = await import_file(rich_file, operator="t")
    assert report.errors == [] and report.counts["event_reversal"] == 1 and report.counts["field_change"] == 6
    event = await db.scalar("SELECT id FROM change_event WHERE kind = 'outflow'")
    assert await db.scalar("SELECT event_id FROM event_reversal") == event  # this database's id
    assert int(await db.scalar("SELECT count(*) FROM field_change WHERE event_id = ?", [event])) == 3
    assert int(await db.scalar("SELECT count(*) FROM mgmt_history WHERE event_id = ?", [event])) == 1
    assert await _outflow_lines() == []  # withdrawn from the month's change list
    await db.execute("DELETE FROM event_reversal")
    assert await _outflow_lines() == ["流出"]  # (what it would show without the reversal)


@pytest.mark.parametrize("name", [s.name for s in SECTIONS])
async def test_each_section_round_trips(store_db: db.DbTarget, rich_file: Path, tmp_path: Path, name: str) -> None:
    report = await import_file(rich_file, operator="t")
    assert report.errors == []
    assert report.counts["events"] == 0  # the file's events, none derived on top of them
    rows = section_lines(rich_file, name)
    assert int(await db.scalar(f"SELECT count(*) FROM {name}")) == len(rows) == report.counts[name]
    out = tmp_path / "again.jsonl"
    await export_households(out, operator="t")
    assert section_lines(out, name) == rows
    assert out.read_bytes() == rich_file.read_bytes()


async def test_a_unit_file_names_only_its_own_events(store_db: db.DbTarget, rich_file: Path, tmp_path: Path) -> None:
    await import_file(rich_file, operator="t")
    out = tmp_path / "village.jsonl"
    await export_households(out, operator="t", unit=VILLAGE)
    assert len(section_lines(out, "event_reversal")) == 1  # its event is the village's
    # the event recorded in another village: a village's file cannot name it, and a reversal needs it
    await db.execute("UPDATE change_event SET household_code = ? WHERE kind = 'outflow'", [OTHER_VILLAGE + "010021"])
    await export_households(out, operator="t", unit=VILLAGE)
    assert section_lines(out, "event_reversal") == []
    assert {c["event_id"] for c in section_lines(out, "field_change")} == {None}
    assert all(h["event_id"] is None for h in section_lines(out, "mgmt_history"))
    async with db.database(tmp_path / "empty.sqlite3"):
        report = await import_file(out, operator="t")
        assert report.errors == [] and report.counts["field_change"] == 6


async def test_a_partial_import_rejects_the_lines_naming_a_bad_event(store_db: db.DbTarget, rich_file: Path,
                                                                     tmp_path: Path) -> None:  # fmt: skip
    objects = lines_of(rich_file)
    number = next(n for n, o in enumerate(objects, 1) if o.get("change_event", {}).get("kind") == "outflow")
    objects[number - 1]["change_event"]["kind"] = "explode"
    rows = [(n, r) for n, o in enumerate(objects, 1) for r in o.values() if type(r) is dict and "household" not in o]
    naming = [n for n, r in rows if any(type(v) is dict and v.get("kind") == "outflow" for v in r.values())]
    rejects = tmp_path / "rejects.jsonl"
    report = await import_file(write_lines(tmp_path / "bad.jsonl", objects), operator="t", partial=True,
                               reject_path=rejects)  # fmt: skip
    assert sorted(e.line for e in report.errors) == [number, *naming]
    assert all("不在本文件此前的变动记录中" in e.message for e in report.errors if e.line != number)
    assert report.rejected_lines == len(naming) + 1 == 1 + 1 + 3 + 1  # the reversal, 3 field changes, 1 history
    assert await db.scalar("SELECT count(*) FROM event_reversal") == 0
    assert int(await db.scalar("SELECT count(*) FROM field_change")) == 3  # the reversal's own, naming no event


async def test_history_lines_without_event_names_match_their_stored_rows(store_db: db.DbTarget, rich_file: Path,
                                                                        tmp_path: Path) -> None:  # fmt: skip
    await import_file(rich_file, operator="t")
    before = await snapshot()
    objects = lines_of(rich_file)  # as written before change events were named in the file
    for o in objects:
        for name in ("contraception_history", "marriage_history", "mgmt_history", "residence_history"):
            o.get(name, {}).pop("event_id", None)
    report = await import_file(write_lines(tmp_path / "older.jsonl", objects), operator="t")
    assert report.errors == [] and report.counts["mgmt_history"] == 1  # the entry begun by the 流出: updated
    assert await snapshot() == before  # no entry twice


async def test_reimport_of_a_version_2_file_changes_nothing(store_db: db.DbTarget, rich_file: Path) -> None:
    await import_file(rich_file, operator="t")
    before = await snapshot()
    report = await import_file(rich_file, operator="t")
    assert report.errors == [] and all(report.counts[s.name] == 0 for s in SECTIONS)
    assert await snapshot() == before


async def test_a_closed_month_keeps_its_digest_after_import(store_db: db.DbTarget, rich_file: Path) -> None:
    await import_file(rich_file, operator="t")
    closed = await months.find_close(VILLAGE, "2026-10")
    assert closed is not None and months.verified_figures(closed) == FIGURES
    assert (await months.signoffs(OTHER_VILLAGE, "2026-11"))[OTHER_VILLAGE].signed_name == "张审核"


async def test_a_reopening_in_the_source_updates_the_imported_close(store_db: db.DbTarget, rich_file: Path,
                                                                    tmp_path: Path) -> None:  # fmt: skip
    await import_file(rich_file, operator="t")
    objects = lines_of(rich_file)
    current = [o["month_close"] for o in objects if "month_close" in o][-1]
    current.update(reopened_by="boss", reopened_at="2026-12-01 08:00:00", reopen_reason="重新核对")
    report = await import_file(write_lines(tmp_path / "reopened.jsonl", objects), operator="t")
    assert report.errors == [] and report.counts["month_close"] == 1
    assert int(await db.scalar("SELECT count(*) FROM month_close")) == 2
    assert await months.find_close(VILLAGE, "2026-10") is None


def test_the_version_2_fixture_has_the_sections_of_version_2_only() -> None:
    """tests/data/households-v2.jsonl was written by the program of commit 7f3ebfe (tests/data/build_v2_file.py)."""
    objects = lines_of(V2_FILE)
    assert objects[0] == {"format": {"version": 2}} and FORMAT_VERSION == 3
    assert {next(iter(o)) for o in objects[1:]} == {"unit", "household", *(s.name for s in SECTIONS if s.since == 2)}
    assert {s.name for s in SECTIONS if s.since == 2} == {"month_close", "month_signoff", "contraception_history",
                                                            "change_event"}  # fmt: skip
    (row,) = section_lines(V2_FILE, "contraception_history")
    assert set(row) == {"person", "method", "since", "failure", "replaced_at"}


async def test_a_version_2_file_imports_with_every_record_kept(store_db: db.DbTarget, tmp_path: Path) -> None:
    """Every unit, household and row of the version-2 fixture is in the database after the import, and the
    database writes it back (as version 3) with the same values; its closed October verifies."""
    report = await import_file(V2_FILE, operator="t")
    assert report.errors == [] and report.households == 3
    old = lines_of(V2_FILE)
    for section in SECTIONS:
        assert report.counts.get(section.name, 0) == len(section_lines(V2_FILE, section.name)), section.name
    path = await _export(tmp_path / "again.jsonl")
    again = lines_of(path)
    assert again[0] == {"format": {"version": FORMAT_VERSION}}
    records = [o for o in old if "unit" in o or "household" in o]
    assert [o for o in again if "unit" in o or "household" in o] == records
    for section in SECTIONS:
        rows = section_lines(V2_FILE, section.name)
        written = [{item: row[item] for item in rows[0]} for row in section_lines(path, section.name)] if rows else []
        assert sorted(map(_text, written)) == sorted(map(_text, rows)), section.name
    closed = await months.find_close("430426101", "2026-10")
    assert closed is not None and closed.reopened_at is None and months.verified_figures(closed)
    assert int(await db.scalar("SELECT count(*) FROM month_close WHERE reopen_reason = '补录一户'")) == 1


def _text(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


async def _export(path: Path) -> Path:
    await export_households(path, operator="t")
    return path


async def test_version_1_file_still_imports(store_db: db.DbTarget) -> None:
    report = await import_file(EXAMPLE_FILE, operator="t")
    assert report.errors == [] and report.households == 3
    assert report.counts["events"] > 0  # a file without events: they are derived from the records


@pytest.mark.parametrize(
    "version", [FORMAT_VERSION + 1, 999, 2**31, 0, -1, "2", 2.0, True, None, [2], {"v": 2}],
    ids=["next", "far", "int32", "zero", "negative", "text", "float", "bool", "null", "list", "object"],
)  # fmt: skip
async def test_unreadable_format_versions_are_refused(store_db: db.DbTarget, rich_file: Path, tmp_path: Path,
                                                      version: object) -> None:  # fmt: skip
    objects = lines_of(rich_file)
    objects[0] = {"format": {"version": version}}
    path = write_lines(tmp_path / "v.jsonl", objects)
    before = await snapshot()
    with pytest.raises(StoreError) as caught:
        await import_file(path, operator="t", partial=True)
    message = str(caught.value)
    assert "第 1 行" in message and "格式版本" in message and "没有导入任何内容" in message
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        assert f"高于本程序支持的 {FORMAT_VERSION}" in message
    assert await snapshot() == before


async def test_a_version_number_too_long_is_a_line_error(store_db: db.DbTarget, tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text('{"format": {"version": 99999999999999999999}}\n' + EXAMPLE_FILE.read_text(encoding="utf-8"))
    report = await import_file(path, operator="t")
    assert [e.line for e in report.errors] == [1] and "过大" in report.errors[0].message
    assert (await snapshot())["person"] == 0


def _hostile(objects: list[dict[str, Any]], how: str) -> tuple[list[dict[str, Any]], str]:
    """The rich file broken one way; returns the objects and a part of the expected message."""
    rows = {name: next(o for o in objects if name in o)[name] for name in (s.name for s in SECTIONS)}
    if how == "digest":
        rows["month_close"]["figures"] = FIGURES.replace("7", "8")
        return objects, "校验码"
    if how == "unknown_person":
        rows["change_event"]["person"] = "nobody"
        return objects, "既不在文件中，也不在数据库中"
    if how == "month":
        rows["month_signoff"]["month"] = "2026-13"
        return objects, "不是有效月份"
    if how == "zoned_time":
        rows["contraception_history"]["replaced_at"] = "2026-11-02T10:15:00+08:00"
        return objects, "不是有效时间"
    if how == "kind":
        rows["change_event"]["kind"] = "explode"
        return objects, "不是可识别的类别"
    if how == "not_a_village":
        rows["month_signoff"]["unit_code"] = "430426101201"[:9] + "999"
        return objects, "既未在文件中声明"
    if how == "missing":
        del rows["month_close"]["closed_by"]
        return objects, "缺少 closed_by"
    if how == "unknown_event":
        rows["event_reversal"]["event_id"]["entered_at"] = "2026-01-02 03:04:05"
        return (
            objects,
            "变动撤销引用的变动（h3-1，流出，2026-11-10，户 430426101201020003，录入于 2026-01-02 03:04:05）不在本文件",
        )
    if how == "event_after_its_reversal":
        first = next(n for n, o in enumerate(objects) if "change_event" in o)
        objects.append(
            objects.pop(next(n for n, o in enumerate(objects) if o.get("change_event", {}).get("kind") == "outflow"))
        )
        assert first < len(objects)
        return objects, "不在本文件此前的变动记录中"
    if how == "event_not_an_object":
        rows["field_change"]["event_id"] = 7
        return objects, "的 event_id 应为对象"
    if how == "household_after_rows":
        objects.append(next(o for o in objects if "household" in o))
        return objects, "应在各表记录之前"
    if how == "format_not_first":
        objects.insert(2, objects[0])
        return objects, "只能是文件的第一行"
    if how == "rows_in_version_1":
        objects.pop(0)
        return objects, "没有声明格式版本"
    raise AssertionError(how)


HOSTILE = ["digest", "unknown_person", "month", "zoned_time", "kind", "not_a_village", "missing", "unknown_event",
           "event_after_its_reversal", "event_not_an_object", "household_after_rows", "format_not_first",
           "rows_in_version_1"]  # fmt: skip


@pytest.mark.parametrize("how", HOSTILE)
async def test_bad_rows_are_refused_with_their_line(store_db: db.DbTarget, rich_file: Path, tmp_path: Path,
                                                    how: str) -> None:  # fmt: skip
    objects, expected = _hostile(lines_of(rich_file), how)
    before = await snapshot()
    report = await import_file(write_lines(tmp_path / f"{how}.jsonl", objects), operator="t")
    assert report.errors, how
    assert any(expected in e.message for e in report.errors), [str(e) for e in report.errors]
    assert all(str(e).startswith(f"第 {e.line} 行：") for e in report.errors)
    assert await snapshot() == before


# --- names (issue 9, point 7): the rule of the forms on every entry path ----------------------------------


async def test_an_import_line_with_an_emoji_name_is_rejected_with_its_line(store_db: db.DbTarget,
                                                                           tmp_path: Path) -> None:  # fmt: skip
    objects = lines_of(EXAMPLE_FILE)
    objects[5]["members"][0]["name"] = "王😀红"
    report = await import_file(write_lines(tmp_path / "emoji.jsonl", objects), operator="t")
    assert [e.line for e in report.errors] == [6]
    assert "姓名不能含有表情符号“😀”，请只填写文字。" in report.errors[0].message
    assert (await snapshot())["person"] == 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [("王😀红", "姓名不能含有表情符号“😀”"), ("王" * 31, "姓名最多 30 个字（现为 31 个）"), ("王\x1b[2J红", "姓名含有")],
)  # fmt: skip
async def test_the_service_refuses_a_bad_name_and_changes_nothing(example_db: db.DbTarget, name: str,
                                                                  expected: str) -> None:  # fmt: skip
    before = await snapshot()
    stored = await db.fetch("SELECT key, name, version FROM person ORDER BY key")
    log = await db.scalar("SELECT count(*) FROM audit_log")
    record = (await load_households([CODE]))[CODE]
    record["members"][1]["name"] = name
    with pytest.raises(StoreError, match=expected):
        await service.save_household(record, operator="clerk")
    assert await snapshot() == before
    assert await db.fetch("SELECT key, name, version FROM person ORDER BY key") == stored
    assert await db.scalar("SELECT count(*) FROM audit_log") == log


# --- one declaration per table: a history table added the way the integrator adds one ----------------------


async def test_a_table_is_added_with_one_declaration(store_db: db.DbTarget, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from store import interchange_tables
    from store.interchange_tables import Column, Section

    serial = "SERIAL PRIMARY KEY" if db.dialect() == "postgres" else "INTEGER PRIMARY KEY AUTOINCREMENT"
    await db.execute(f"CREATE TABLE marriage_history_t (id {serial}, person_id INT NOT NULL, spouse_id INT, "
                     "status VARCHAR(2), since DATE, note VARCHAR(20))")  # fmt: skip
    declaration = Section(
        "marriage_history_t", "婚姻历史",
        (Column("spouse_id", "person"), Column("status", "code", table="marital_status"), Column("since", "date"),
         Column("note", "text", 20)),
        person="person_id", person_required=True, match=("person", "since"),
    )  # fmt: skip
    monkeypatch.setattr(interchange_tables, "SECTIONS", (*interchange_tables.SECTIONS, declaration))
    await import_file(EXAMPLE_FILE, operator="t")
    await db.execute(
        "INSERT INTO marriage_history_t (person_id, spouse_id, status, since, note) SELECT a.id, b.id, '21', "
        "'2004-05-01', '初婚' FROM person a, person b WHERE a.key = 'h12-1' AND b.key = 'h12-2'"
    )
    await db.execute("INSERT INTO marriage_history_t (person_id, status, since) SELECT id, '10', '1990-01-01' "
                     "FROM person WHERE key = 'h12-3'")  # fmt: skip
    out = tmp_path / "with.jsonl"
    await export_households(out, operator="t")
    rows = section_lines(out, "marriage_history_t")
    assert rows[0] == {"person": "h12-1", "spouse_id": "h12-2", "status": "21", "since": "2004-05-01", "note": "初婚"}
    await db.execute("DELETE FROM marriage_history_t")
    report = await import_file(out, operator="t")
    assert report.errors == [] and report.counts["marriage_history_t"] == 2
    again = tmp_path / "again.jsonl"
    await export_households(again, operator="t")
    assert again.read_bytes() == out.read_bytes()
    objects = lines_of(out)
    next(o for o in objects if "marriage_history_t" in o)["marriage_history_t"]["spouse_id"] = "nobody"
    report = await import_file(write_lines(tmp_path / "bad.jsonl", objects), operator="t")
    assert any("nobody" in e.message and "既不在文件中" in e.message for e in report.errors)
