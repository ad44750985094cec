"""Histories (历史数据) on SQLite and PostgreSQL: each change kind and household workflow leaves the expected
contraception, marriage, management/flow and residence entries; the timeline's read function; the pure rules
(entry in force, closing an entry when the next starts); the 5 → 6 migration seeds the current state."""

from __future__ import annotations

import datetime as dt
from typing import Any

import openpyxl
import pytest

from exports.monthly import export_monthly
from store import changes, db, histories, household_ops, models, schema
from store.domain import histories as rules
from store.importer import import_file
from store.records import load_households
from tests.support.data import EXAMPLE_FILE
from tests.support.workbooks import table

TODAY = dt.date(2026, 11, 15)
ZHOU = "430426101201010012"  # 周建军 h12-1 (户主), 陈美华 h12-2 (妻, 03 IUD since 2017-09-12), h12-3, h12-4
ZHAO = "430426101201020003"  # 赵桂英 h3-1, widowed, alone
WANG = "430426101202010021"  # 王德明 f21-1 and 杨丽 f21-2, 流入, another village

Row = tuple[Any, ...]


@pytest.fixture
async def loaded(store_db: db.DbTarget) -> db.DbTarget:
    await import_file(EXAMPLE_FILE, operator="导入员")
    return store_db


def _d(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


async def _pid(key: str) -> int:
    return int(await db.scalar("SELECT id FROM person WHERE key = ?", [key]))


async def _rows(kind: str, key: str, *columns: str) -> list[Row]:
    spec = histories.SPECS[kind]
    cols = ", ".join((spec.start, "until", "began", "ended", *columns))
    rows = await db.fetch(f"SELECT {cols} FROM {spec.table} WHERE {spec.person} = ? ORDER BY id", [await _pid(key)])
    return [(_d(r[0]), _d(r[1]), *tuple(r)[2:]) for r in rows]


async def _save(kind: str, code: str, **fields: Any) -> changes.SavedChange:
    return await changes.save_change(kind, code, fields, operator="李敏", today=TODAY)


async def test_contraception_change_closes_the_iud_as_a_removal(loaded: db.DbTarget) -> None:
    await _save("contraception", ZHOU, person="h12-2", method="07", date="2026-10-12")
    rows = await _rows("contraception", "h12-2", "method", "event_id")
    assert [r[:5] for r in rows] == [
        (dt.date(2017, 9, 12), dt.date(2026, 10, 12), "opening", "removed", "03"),
        (dt.date(2026, 10, 12), None, "replaced", None, "07"),
    ]
    event = await db.scalar("SELECT kind FROM change_event WHERE id = ?", [rows[1][5]])
    assert event == "contraception"
    await _save("contraception", ZHOU, person="h12-2", method="02", date="2026-11-02")
    rows = await _rows("contraception", "h12-2", "method")
    assert [(r[0], r[1], r[3], r[4]) for r in rows][1:] == [
        (dt.date(2026, 10, 12), dt.date(2026, 11, 2), "replaced", "07"),
        (dt.date(2026, 11, 2), None, None, "02"),
    ]


async def test_marriage_divorce_and_widowhood_entries_with_the_spouse(loaded: db.DbTarget) -> None:
    await _save("marriage", ZHAO, person="h3-1", date="2026-09-01", spouse_name="钱大山",
                spouse_id_number="430426196001010011")  # fmt: skip
    await _save("divorce", ZHOU, person="h12-1", date="2026-10-03")
    rows = await _rows("marriage", "h3-1", "status", "spouse_id", "spouse_name", "spouse_id_number")
    assert [r[2:] for r in rows][-1] == ("marry", None, "22", None, "钱大山", "430426196001010011")
    assert rows[-2][1:4] == (dt.date(2026, 9, 1), "opening", "marry") and rows[-2][4] == "30"
    wife = await _pid("h12-2")
    for key in ("h12-1", "h12-2"):
        rows = await _rows("marriage", key, "status", "spouse_id")
        assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
            (dt.date(2009, 10, 1), dt.date(2026, 10, 3), "divorce", "21"),
            (dt.date(2026, 10, 3), None, None, "40"),
        ]
    assert (await _rows("marriage", "h12-1", "spouse_id"))[-1][-1] == wife  # the former spouse is kept


async def test_widowhood_keeps_a_late_spouse_of_another_household(loaded: db.DbTarget) -> None:
    saved = await _save("inflow", WANG, name="钱大山", sex="1", birth_date="1960-01-01", relation="99",
                        date="2025-01-02", place_code="510722", marital_status="30",
                        first_marriage_date="1985-01-01", marriage_change_date="2020-01-01")  # fmt: skip
    await _save("marriage", ZHAO, person="h3-1", date="2026-09-01", spouse=saved.person_key)
    await _save("death", ZHAO, person="h3-1", date="2026-10-09")
    rows = await _rows("marriage", saved.person_key, "status", "spouse_id")
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        (dt.date(2020, 1, 1), dt.date(2026, 9, 1), "marry", "30"),
        (dt.date(2026, 9, 1), dt.date(2026, 10, 9), "widowed", "22"),
        (dt.date(2026, 10, 9), None, None, "30"),
    ]
    assert [r[5] for r in rows[1:]] == [await _pid("h3-1")] * 2  # the spouse, then the late spouse


async def test_outflow_and_return_and_inflow_entries(loaded: db.DbTarget) -> None:
    await _save("outflow", ZHOU, person="h12-1", date="2026-03-01", place_code="440300", reason="务工经商")
    await _save("flow_return", ZHOU, person="h12-1", date="2026-10-20")
    rows = await _rows("mgmt", "h12-1", "mgmt", "place_code")
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        (dt.date(1984, 7, 21), dt.date(2026, 3, 1), "opening", "outflow", "01"),
        (dt.date(2026, 3, 1), dt.date(2026, 10, 20), "outflow", "return", "03"),
        (dt.date(2026, 10, 20), None, "return", None, "01"),
    ]
    assert rows[1][5] == "440300"
    stored = changes.find_member((await load_households([ZHOU]))[ZHOU], "h12-1")
    assert (stored["mgmt"], stored["flow"], stored["residence_status"]) == ("01", None, "1")
    saved = await _save("inflow", ZHAO, name="孙丽", sex="2", birth_date="1998-05-01", relation="99",
                        date="2026-10-02", place_code="510722")  # fmt: skip
    rows = await _rows("mgmt", saved.person_key, "mgmt")
    assert rows == [(dt.date(2026, 10, 2), None, "inflow", None, "02")]


async def test_births_and_deaths_open_and_close_entries(loaded: db.DbTarget) -> None:
    saved = await _save("birth", ZHOU, mother="h12-2", name="周小雨", sex="2", birth_date="2026-10-08", policy="2")
    child = saved.person_key
    assert await _rows("residence", child, "household_code") == [(dt.date(2026, 10, 8), None, "birth", None, ZHOU)]
    assert [r[4] for r in await _rows("marriage", child, "status")] == ["10"]
    await _save("death", ZHAO, person="h3-1", date="2026-10-09")
    rows = await _rows("residence", "h3-1", "household_code")
    assert rows[-1][1:4] == (dt.date(2026, 10, 9), "birth", "death")


async def test_moves_split_and_merge_are_residence_entries(loaded: db.DbTarget) -> None:
    op = dict(operator="李敏", today=TODAY)
    await household_ops.move_member(ZHOU, "h12-3", ZHAO, date="2026-10-04", relation="44", **op)
    await household_ops.move_member(ZHAO, "h12-3", WANG, date="2026-10-05", **op)
    split = await household_ops.split_household(ZHOU, ["h12-1"], "h12-1", date="2026-10-07", new_head="h12-2", **op)
    new_code = split.record["household"]["code"]
    await household_ops.merge_households(new_code, ZHOU, date="2026-10-08", **op)
    rows = await _rows("residence", "h12-3", "household_code", "event_id")
    assert [r[:5] for r in rows] == [
        (dt.date(2011, 5, 8), dt.date(2026, 10, 4), "birth", "transfer", ZHOU),
        (dt.date(2026, 10, 4), dt.date(2026, 10, 5), "transfer", "transfer", ZHAO),
        (dt.date(2026, 10, 5), None, "transfer", None, WANG),
    ]
    kinds = [await db.scalar("SELECT kind FROM change_event WHERE id = ?", [r[5]]) for r in rows[1:]]
    assert kinds == ["transfer", "move_in"]
    rows = await _rows("residence", "h12-1", "household_code", "event_id")
    assert [r[:5] for r in rows][1:] == [
        (dt.date(2026, 10, 7), dt.date(2026, 10, 8), "split", "merge", new_code),
        (dt.date(2026, 10, 8), None, "merge", None, ZHOU),
    ]
    assert [await db.scalar("SELECT kind FROM change_event WHERE id = ?", [r[5]]) for r in rows[1:]] == ["split",
                                                                                                         "merge"]  # fmt: skip


async def test_person_histories_for_the_timeline(loaded: db.DbTarget) -> None:
    await _save("contraception", ZHOU, person="h12-2", method="07", date="2026-10-12")
    entries = await histories.person_histories(await _pid("h12-2"))
    assert [(e["kind"], e["start"], e["end"]) for e in entries if e["kind"] == "contraception"] == [
        ("contraception", dt.date(2017, 9, 12), dt.date(2026, 10, 12)),
        ("contraception", dt.date(2026, 10, 12), None),
    ]
    iud = next(e for e in entries if e["kind"] == "contraception")
    assert iud["value"] == "03 宫内节育器" and "取环" in iud["detail"] and iud["kind_label"] == "避孕节育"
    marriage = next(e for e in entries if e["kind"] == "marriage")  # imported, no entry yet: the current state
    assert marriage["value"] == "21 初婚，配偶周建军" and marriage["start"] == dt.date(2009, 10, 1)
    assert {e["kind"] for e in entries} == {"contraception", "marriage", "mgmt", "residence"}
    assert [e["start"] or dt.date.min for e in entries] == sorted(e["start"] or dt.date.min for e in entries)


async def test_migration_from_version_5_seeds_every_current_state(loaded: db.DbTarget) -> None:
    """A version-5 database (no history tables, former contraception methods only) is upgraded with every
    person's current state as the first entry of each history."""
    wife = await _pid("h12-2")
    for name in ("marriage_history", "mgmt_history", "residence_history"):
        await db.execute(f"DROP TABLE {name}")
    for column in ("until", "began", "ended", "event_id"):
        await db.execute(f'ALTER TABLE contraception_history DROP COLUMN "{column}"')
    await db.execute("INSERT INTO contraception_history (woman_id, method, since, replaced_at) VALUES (?, '07', ?, ?)",
                     [wife, dt.date(2015, 1, 1), dt.datetime(2017, 9, 12)])  # fmt: skip
    await schema.set_setting("schema_version", "5")
    await schema.ensure_schema()
    assert await schema.schema_version() == models.SCHEMA_VERSION == 8
    persons = int(await db.scalar("SELECT count(*) FROM person"))
    for name in ("residence_history", "marriage_history", "mgmt_history"):
        assert await db.scalar(f"SELECT count(DISTINCT person_id) FROM {name}") == persons
    rows = await _rows("contraception", "h12-2", "method")
    assert rows == [(dt.date(2015, 1, 1), dt.date(2017, 9, 12), "opening", "replaced", "07"),
                    (dt.date(2017, 9, 12), None, "opening", None, "03")]  # fmt: skip
    assert await _rows("marriage", "h12-2", "status") == [(dt.date(2009, 10, 1), None, "opening", None, "21")]
    flow = await _rows("mgmt", "f21-2", "mgmt", "place_code")
    assert flow == [(dt.date(2023, 3, 1), None, "opening", None, "02", "510722")]
    # after the upgrade the histories go on from the seeded entries
    await _save("contraception", ZHOU, person="h12-2", method="07", date="2026-10-12")
    assert [r[3] for r in await _rows("contraception", "h12-2")] == ["replaced", "removed", None]


async def test_form_saves_feed_the_histories(loaded: db.DbTarget) -> None:
    """The person form's save (store.service): a flow return keyed as 管理属性 01 is dated the day it is saved;
    a corrected first-marriage date corrects the open entry instead of opening another."""
    from store.service import save_household

    await _save("outflow", ZHOU, person="h12-1", date="2026-03-01", place_code="440300")
    record = (await load_households([ZHOU]))[ZHOU]
    him = changes.find_member(record, "h12-1")
    him["mgmt"], him["flow"], him["residence_status"] = "01", None, "1"
    him["first_marriage_date"] = dt.date(2009, 10, 2)
    record = await save_household(record, operator="李敏")
    rows = await _rows("mgmt", "h12-1", "mgmt")
    assert [(r[0], r[1], r[3], r[4]) for r in rows][1:] == [
        (dt.date(2026, 3, 1), dt.date.today(), "return", "03"),
        (dt.date.today(), None, None, "01"),
    ]
    assert await _rows("marriage", "h12-1", "status") == [(dt.date(2009, 10, 2), None, "opening", None, "21")]
    await save_household(record, operator="李敏")  # saved again unchanged: nothing more
    assert len(await _rows("mgmt", "h12-1")) == 3


async def test_changes_keep_nothing_on_bad_input(loaded: db.DbTarget) -> None:
    from store.errors import StoreError

    with pytest.raises(StoreError, match="不是流出人口"):
        await _save("flow_return", ZHOU, person="h12-1", date="2026-10-20")
    assert await db.scalar("SELECT count(*) FROM mgmt_history") == 0


async def test_returns_count_removals_flow_returns_and_moves_from_the_histories(loaded: db.DbTarget,
                                                                               tmp_path: Any) -> None:  # fmt: skip
    """October's workbook (openpyxl): 本月取环 (避孕节育), 本月流出返回 (流动人口), 本月户间迁移 / 分户 / 并户
    (人口变动), in the village of the household moved into; November's has none of them."""
    op = dict(operator="李敏", today=TODAY)
    await _save("contraception", ZHOU, person="h12-2", method="07", date="2026-10-12")  # 取环
    await _save("outflow", ZHOU, person="h12-1", date="2026-03-01", place_code="440300")
    await _save("flow_return", ZHOU, person="h12-1", date="2026-10-20")
    await household_ops.move_member(ZHOU, "h12-3", ZHAO, date="2026-10-04", relation="44", **op)
    split = await household_ops.split_household(ZHOU, ["h12-1"], "h12-1", date="2026-10-07", new_head="h12-2", **op)
    await household_ops.merge_households(split.record["household"]["code"], ZHOU, date="2026-10-08", **op)
    village = str(await db.scalar("SELECT name FROM unit WHERE code = ?", [ZHOU[:12]]))
    figures = {}
    for month in ("2026-10", "2026-11"):
        out = tmp_path / f"{month}.xlsx"
        await export_monthly(out, month, operator="李敏")
        book = openpyxl.load_workbook(out)
        found = {}
        for sheet, header in (("避孕节育", "本月取环"), ("流动人口", "本月流出返回"), ("人口变动", "本月户间迁移"),
                              ("人口变动", "本月分户"), ("人口变动", "本月并户"), ("流动人口", "流出人口")):  # fmt: skip
            headers, rows = table(book[sheet])
            found[header] = (rows[village][headers.index(header)].value, rows["合计"][headers.index(header)].value)
        figures[month] = found
    assert figures["2026-10"] == {"本月取环": (1, 1), "本月流出返回": (1, 1), "本月户间迁移": (1, 1),
                                  "本月分户": (1, 1), "本月并户": (1, 1), "流出人口": (0, 0)}  # fmt: skip
    assert all(value == (0, 0) for value in figures["2026-11"].values())


async def _rules_on(key: str, as_of: dt.date, prefix: str) -> dict[str, set[str]]:
    """The rules (starting with `prefix`) firing on `key` at `as_of`: by the whole-database audit and by the
    re-audit of its household after a save."""
    from checks.engine import reaudit_households
    from checks.runner import run_audit

    whole = {f.rule for f in (await run_audit(as_of=as_of, today=TODAY, store=False)).findings
             if f.person_key == key and f.rule.startswith(prefix)}  # fmt: skip
    code = str(await db.scalar("SELECT household_id FROM person WHERE key = ?", [key]))
    again = {
        f.rule for f in await reaudit_households([code], as_of) if f.person_key == key and f.rule.startswith(prefix)
    }
    return {"whole": whole, "reaudit": again}


async def test_audit_reads_the_contraception_in_force_at_the_audit_date(loaded: db.DbTarget) -> None:
    """CON3 (open pregnancy under 01–04 without a failure type): the IUD was in force on 10-05, not now."""
    await _save("pregnancy", ZHOU, person="h12-2", lmp="2026-09-01", reported="2026-10-01")
    await _save("contraception", ZHOU, person="h12-2", method="00", date="2026-10-12")
    assert await _rules_on("h12-2", dt.date(2026, 10, 5), "CON3") == {"whole": {"CON3"}, "reaudit": {"CON3"}}
    assert await _rules_on("h12-2", TODAY, "CON3") == {"whole": set(), "reaudit": set()}


async def test_audit_reads_the_marriage_in_force_at_the_audit_date(loaded: db.DbTarget) -> None:
    """MAR4 (married, no spouse linked): 赵桂英 was widowed on 09-15 and remarried an outsider on 10-01."""
    await _save("marriage", ZHAO, person="h3-1", date="2026-10-01", spouse_name="钱大山")
    assert await _rules_on("h3-1", dt.date(2026, 9, 15), "MAR4") == {"whole": set(), "reaudit": set()}
    assert await _rules_on("h3-1", TODAY, "MAR4") == {"whole": {"MAR4"}, "reaudit": {"MAR4"}}


async def test_audit_reads_the_flow_in_force_at_the_audit_date(loaded: db.DbTarget) -> None:
    """FLW2 (flow shorter than 3 months): 周建军 was out from 09-01 until his return on 10-20."""
    await _save("outflow", ZHOU, person="h12-1", date="2026-09-01", place_code="440300")
    await _save("flow_return", ZHOU, person="h12-1", date="2026-10-20")
    assert await _rules_on("h12-1", dt.date(2026, 10, 15), "FLW2") == {"whole": {"FLW2"}, "reaudit": {"FLW2"}}
    assert await _rules_on("h12-1", TODAY, "FLW2") == {"whole": set(), "reaudit": set()}


# --- the pure rules ----------------------------------------------------------------------------------


def _entry(start: str | None, until: str | None, **value: Any) -> rules.Entry:
    return rules.Entry("marriage", _d(start), value, _d(until))


def test_in_force_picks_the_entry_of_the_day() -> None:
    entries = [_entry(None, "2020-05-01", status="10"), _entry("2020-05-01", "2024-01-01", status="21"),
               _entry("2024-01-01", None, status="40")]  # fmt: skip
    assert rules.in_force(entries, dt.date(2019, 1, 1)).value["status"] == "10"  # type: ignore[union-attr]
    assert rules.in_force(entries, dt.date(2020, 5, 1)).value["status"] == "21"  # type: ignore[union-attr]
    assert rules.in_force(entries, dt.date(2023, 12, 31)).value["status"] == "21"  # type: ignore[union-attr]
    assert rules.in_force(entries, dt.date(2025, 1, 1)).value["status"] == "40"  # type: ignore[union-attr]
    assert rules.in_force(entries[1:], dt.date(2019, 1, 1)) is None


def test_step_closes_the_open_entry_when_the_next_starts() -> None:
    old = {"key": "a", "marital_status": "21", "first_marriage_date": dt.date(2010, 1, 1), "spouse": "b"}
    new = {**old, "marital_status": "40", "marriage_change_date": dt.date(2026, 3, 1), "spouse": None}
    step = rules.step("marriage", old, new, "H", "H", dt.date(2026, 11, 1))
    assert step is not None and (step.close_on, step.ended) == (dt.date(2026, 3, 1), "divorce")
    assert step.opened is not None and step.opened.value["spouse"] == "b"  # the former spouse
    assert rules.step("marriage", old, dict(old), "H", "H", dt.date(2026, 11, 1)) is None
    corrected = rules.step("marriage", old, {**old, "first_marriage_date": dt.date(2010, 2, 1)}, "H", "H", TODAY)
    assert corrected is not None and corrected.opened is None and corrected.update["start"] == dt.date(2010, 2, 1)
    assert rules.removal("03", "07") and not rules.removal("07", "03") and not rules.removal("03", "03")


def test_overlay_gives_the_state_in_force_on_the_audit_date() -> None:
    person = {"key": "a", "marital_status": "21", "first_marriage_date": dt.date(2026, 11, 5), "spouse": "b",
              "mgmt": "01", "flow": None, "woman": {"contraception": {"method": "07", "since": dt.date(2026, 11, 5)}}}  # fmt: skip
    found = {
        "marriage": [rules.Entry("marriage", dt.date(2026, 11, 5), {"status": "21", "spouse": "b"})],
        "mgmt": [
            rules.Entry(
                "mgmt",
                dt.date(2000, 1, 1),
                {"mgmt": "03", "flow_type": "outflow", "place_code": "440300"},
                dt.date(2026, 11, 10),
            ),
            rules.Entry("mgmt", dt.date(2026, 11, 10), {"mgmt": "01"}),
        ],
        "contraception": [
            rules.Entry("contraception", dt.date(2017, 1, 1), {"method": "03"}, dt.date(2026, 11, 5)),
            rules.Entry("contraception", dt.date(2026, 11, 5), {"method": "07"}),
        ],
    }
    then = rules.overlay(person, found, dt.date(2026, 10, 31))
    assert (then["marital_status"], then["first_marriage_date"], then["spouse"]) == ("10", None, None)
    assert then["mgmt"] == "03" and then["flow"]["place_code"] == "440300"
    assert then["woman"]["contraception"]["method"] == "03"
    assert rules.overlay(person, found, dt.date(2026, 11, 15))["marital_status"] == "21"
    assert person["marital_status"] == "21"  # the record itself is left as it was
