"""Reversing change events that have no field changes (`store.reversal_rules`): events imported from a
household file, and events of a database migrated from schema 2 (field changes did not exist yet).

The state before the event is put back where it can be derived — from the history entry before the event's
(a migrated contraception history), or from the event itself where its fact was all it added (a pregnancy, an
outcome, a first marriage, a death) — and what cannot be derived is said in Chinese and left alone.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from store import access, db, histories
from store.errors import StoreError
from store.importer import import_file
from store.records import load_households
from store.reversal import reverse_event
from store.timeline import find_person, person_timeline
from tests.support.data import EXAMPLE_FILE

REVIEWER = access.Actor("rev", "张审核", "reviewer")
ZHOU = "430426101201010012"  # 周建军 h12-1, 陈美华 h12-2 (IUD since 2017-09-12; a pregnancy ended 2017-03-26)
ZHAO = "430426101201020003"  # 赵桂英 h3-1, widowed 2019-08-17
WANG = "430426101202010021"  # 王德明 f21-1 and 杨丽 f21-2: married 2015-06-06, flowed in 2023-03-01
SCHEMA2 = Path(__file__).parent / "data" / "schema2.sqlite3"


@pytest.fixture
async def loaded(store_db: db.DbTarget) -> db.DbTarget:
    """The example file (tests/data/households.jsonl) imported: its events carry no field changes."""
    report = await import_file(EXAMPLE_FILE, operator="导入员")
    assert report.errors == [] and await db.scalar("SELECT count(*) FROM field_change") == 0
    return store_db


async def event_of(key: str, kind: str) -> int:
    rows = await db.fetch("SELECT e.id FROM change_event e JOIN person p ON p.id = e.person_id "
                          "WHERE p.key = ? AND e.kind = ?", [key, kind])  # fmt: skip
    assert len(rows) == 1
    return int(rows[0][0])


async def member(code: str, key: str) -> dict:
    return next(p for p in (await load_households([code]))[code]["members"] if p["key"] == key)


async def withdrawn(event: int) -> bool:
    return bool(await db.scalar("SELECT withdrawn FROM event_reversal WHERE event_id = ?", [event]))


async def test_imported_first_marriage_goes_back_to_unmarried(loaded: db.DbTarget) -> None:
    event = await event_of("f21-1", "first_marriage")
    done = await reverse_event(event, "结婚登记错误", actor=REVIEWER)
    assert done.withdrawn and set(done.restored) == {"marital_status", "first_marriage_date",
                                                      "marriage_change_date", "spouse", "spouse_external"}  # fmt: skip
    wang = await member(WANG, "f21-1")
    assert (wang["marital_status"], wang["first_marriage_date"], wang["spouse"]) == ("10", None, None)
    assert done.unrestored == (
        "配偶（人员编号 f21-2）的记录没有改动；如其婚姻状况也有错，请撤销其变动或在人员表中手工改正。",
    )
    assert (await member(WANG, "f21-2"))["marital_status"] == "21"  # said so, not touched
    texts = [e.text for e in await person_timeline((await find_person("f21-1")).id)]
    assert "婚姻状况：初婚 → 未婚" in texts and any(t.startswith(f"撤销变动 {event}（初婚 2015-06-06）") for t in texts)


async def test_imported_outcome_and_pregnancy_are_taken_back_in_order(loaded: db.DbTarget) -> None:
    pregnancy, outcome = await event_of("h12-2", "pregnancy"), await event_of("h12-2", "outcome")
    with pytest.raises(StoreError, match=r"这次怀孕后来已登记妊娠结局.*请先撤销妊娠结局的变动"):
        await reverse_event(pregnancy, "怀孕登记错误", actor=REVIEWER)
    done = await reverse_event(outcome, "结局登记错误", actor=REVIEWER)
    assert done.restored == ("woman.pregnancies",)
    assert done.unrestored == ("子女：这天出生的子女（周浩然）的记录没有改动；如有错，请在人员表中改正或注销。",)
    (kept,) = (await member(ZHOU, "h12-2"))["woman"]["pregnancies"]
    assert (kept["lmp"], kept["outcome"], kept["outcome_date"]) == (dt.date(2016, 6, 20), None, None)
    done = await reverse_event(pregnancy, "怀孕登记错误", actor=REVIEWER)
    assert done.restored == ("woman.pregnancies",) and done.unrestored == ()
    assert (await member(ZHOU, "h12-2"))["woman"]["pregnancies"] == []
    assert await withdrawn(pregnancy) and await withdrawn(outcome)


async def test_what_cannot_be_derived_is_said_and_left_alone(loaded: db.DbTarget) -> None:
    """No history before the imported event: the method, the marital state, the flow stay as they are and
    the reversal says so; the event is still withdrawn."""
    before = await load_households([ZHOU, ZHAO, WANG])
    cases = [
        (await event_of("h12-2", "contraception"), "避孕节育：没有这次避孕措施变动之前的措施记录"),
        (await event_of("h3-1", "widowed"), "婚姻：没有这次丧偶之前的婚姻记录，原来的婚姻状况、配偶和日期无从得知"),
        (await event_of("f21-2", "inflow"), "管理属性与流动：没有这次流入之前的记录"),
        (await event_of("h12-3", "birth"), "此人随这次出生登记进入本地数据，之前不在册"),
    ]
    for event, said in cases:
        done = await reverse_event(event, "录错了", actor=REVIEWER)
        assert done.restored == () and done.withdrawn
        assert len(done.unrestored) == 1 and done.unrestored[0].startswith(said)
        assert "请在人员表中" in done.unrestored[0]
    assert await load_households([ZHOU, ZHAO, WANG]) == before  # nothing pretended
    assert await db.scalar("SELECT count(*) FROM event_reversal WHERE withdrawn = ?", [True]) == 4


async def test_derived_reversal_refused_when_the_fact_changed_since(loaded: db.DbTarget) -> None:
    from store import changes

    await changes.save_change("contraception", ZHOU, {"person": "h12-2", "method": "07", "date": "2026-10-12"},
                              operator="李敏")  # fmt: skip
    with pytest.raises(StoreError, match="避孕节育措施在这次变动之后又改过"):
        await reverse_event(await _imported_method(), "录错了", actor=REVIEWER)
    assert await db.scalar("SELECT count(*) FROM event_reversal") == 0


async def _imported_method() -> int:
    return int(await db.scalar("SELECT e.id FROM change_event e JOIN person p ON p.id = e.person_id WHERE "
                               "p.key = 'h12-2' AND e.kind = 'contraception' AND e.source = 'import'"))  # fmt: skip


async def test_imported_death_is_undone_and_the_histories_reopen(loaded: db.DbTarget) -> None:
    from store import changes

    await changes.save_change("death", ZHAO, {"person": "h3-1", "date": "2026-10-03"}, operator="李敏")
    await db.execute("DELETE FROM field_change")  # as if imported, or written before field changes were kept
    event = await event_of("h3-1", "death")
    done = await reverse_event(event, "死亡登记错误", actor=REVIEWER)
    assert "death_date" in done.restored and done.unrestored == ()
    zhao = await member(ZHAO, "h3-1")
    assert zhao["death_date"] is None and zhao["cancel"] is None
    pid = int(await db.scalar("SELECT id FROM person WHERE key = 'h3-1'"))
    entries = await histories.entries_of(pid)
    for kind in ("mgmt", "residence"):
        assert [(e.until, e.ended) for e in entries[kind]][-1] == (None, None), kind  # in force again


async def test_migrated_schema2_event_restores_the_method_from_the_history(tmp_path: Path) -> None:
    """The schema-2 fixture: a woman's method changed 07 → 02 on 2026-09-01 by the app of that time (a
    history row of the old method, no field changes); reversing that event brings the 07 back."""
    path = tmp_path / "old.sqlite3"
    shutil.copy(SCHEMA2, path)
    async with db.database(path, create=False):
        event = int(await db.scalar("SELECT id FROM change_event WHERE kind = 'contraception' AND event_date = ?",
                                    [dt.date(2026, 9, 1)]))  # fmt: skip
        key = str(await db.scalar("SELECT p.key FROM change_event e JOIN person p ON p.id = e.person_id "
                                  "WHERE e.id = ?", [event]))  # fmt: skip
        assert await db.scalar("SELECT count(*) FROM field_change") == 0
        first = await db.scalar("SELECT e.id FROM change_event e JOIN person p ON p.id = e.person_id "
                                "WHERE p.key = ? AND e.kind = 'contraception' AND e.id < ?", [key, event])  # fmt: skip
        with pytest.raises(StoreError, match="避孕节育措施在这次变动之后又改过"):  # the 07 placement, replaced since
            await reverse_event(int(first), "录错了", actor=REVIEWER)
        done = await reverse_event(event, "措施录错了", actor=REVIEWER)
        assert done.restored == ("woman.contraception",) and done.unrestored == () and done.withdrawn
        code = str(await db.scalar("SELECT household_id FROM person WHERE key = ?", [key]))
        method = (await member(code, key))["woman"]["contraception"]
        assert (method["method"], method["since"]) == ("07", dt.date(2017, 7, 31))
        texts = [(e.kind, e.text) for e in await person_timeline((await find_person(key)).id)]
        assert ("避孕", "07 避孕套；始于撤销") in texts  # the history's entry before the event's, in force again
        assert ("避孕", "02 女性绝育（至 2017-07-31）；始于原有记录，止于撤销") in texts
        assert ("修改", "避孕节育：女性绝育 自2026-09-01 → 避孕套 自2017-07-31") in texts
        assert texts[-1] == ("撤销", f"撤销变动 {event}（避孕措施 2026-09-01），不再计入；理由：措施录错了")


async def test_withdrawn_events_leave_the_history_figures(loaded: db.DbTarget, tmp_path: Path) -> None:
    """October: an IUD wrongly replaced (a 取环) and a child wrongly moved to another household (户间迁移), both
    reversed while October is open: the returns count neither; the move is not undone by itself, and the
    reversal says where the child came from."""
    import openpyxl

    from exports.monthly import export_monthly
    from store import changes, household_ops
    from tests.support.workbooks import table

    today = dt.date(2026, 11, 15)
    await changes.save_change("contraception", ZHOU, {"person": "h12-2", "method": "07", "date": "2026-10-12"},
                              operator="李敏", today=today)  # fmt: skip
    await household_ops.move_member(ZHOU, "h12-3", ZHAO, date="2026-10-04", relation="44", operator="李敏",
                                    today=today)  # fmt: skip

    async def october() -> dict[str, object]:
        out = tmp_path / "october.xlsx"
        await export_monthly(out, "2026-10", operator="李敏")
        book = openpyxl.load_workbook(out)
        found = {}
        for sheet, header in (("避孕节育", "本月取环"), ("人口变动", "本月户间迁移")):
            headers, rows = table(book[sheet])
            found[header] = rows["合计"][headers.index(header)].value
        return found

    assert await october() == {"本月取环": 1, "本月户间迁移": 1}
    removal = int(await db.scalar("SELECT e.id FROM change_event e JOIN person p ON p.id = e.person_id "
                                  "WHERE p.key = 'h12-2' AND e.kind = 'contraception' AND e.source = 'app'"))  # fmt: skip
    assert (await reverse_event(removal, "措施录错了", actor=REVIEWER)).restored == ("woman.contraception",)
    done = await reverse_event(await event_of("h12-3", "transfer"), "迁错了户", actor=REVIEWER)
    assert done.withdrawn and done.restored == ()
    assert done.unrestored == (
        f"居住户：此人没有自动迁回（原户编码 {ZHOU}）。如这次户间迁移有错，请在户表中把此人迁回原户。",
    )
    assert await october() == {"本月取环": 0, "本月户间迁移": 0}


def test_history_command_says_what_it_could_not_restore(tmp_path: Path, private_data: Path) -> None:
    """``renkou history --reverse`` on 赵桂英's imported 丧偶: withdrawn, and the lines on what stays."""
    import asyncio
    import os
    import subprocess
    import sys

    from tests.support.data import add_accounts, import_example

    path = tmp_path / "example.sqlite3"

    async def prepare() -> int:
        async with db.database(await import_example(path), create=False):
            await add_accounts()
            return await event_of("h3-1", "widowed")

    event = asyncio.run(prepare())
    env = {**os.environ, "RENKOU_PASSWORD": "secret123"}
    done = subprocess.run([sys.executable, "-m", "tui.cli", "history", "h3-1", "--reverse", str(event), "--reason",
                           "录错了", "--db", str(path), "--user", "boss"], cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"已撤销编号 {event} 的变动，不再计入月报；已记入操作日志。"
    assert lines[1] == ("婚姻：没有这次丧偶之前的婚姻记录，原来的婚姻状况、配偶和日期无从得知，没有恢复。"
                        "请在人员表中手工改正。")  # fmt: skip


async def test_events_of_an_older_database_come_back_from_the_histories(loaded: db.DbTarget) -> None:
    """A divorce and an outflow keyed in the app, their field changes gone (a database older than field
    changes): the marriage and the management entries before theirs give the state to put back; 人户状况 is in
    no history and is said to stay."""
    from store import changes

    await changes.save_change("divorce", ZHOU, {"person": "h12-1", "date": "2026-10-08"}, operator="李敏")
    await changes.save_change("outflow", ZHAO, {"person": "h3-1", "date": "2026-10-20", "place_code": "440305"},
                              operator="李敏")  # fmt: skip
    await db.execute("DELETE FROM field_change")
    done = await reverse_event(await event_of("h12-1", "divorce"), "离婚登记错误", actor=REVIEWER)
    assert set(done.restored) == {"marital_status", "marriage_change_date", "spouse", "spouse_external"}
    assert done.unrestored == (
        "配偶（人员编号 h12-2）的记录没有改动；如其婚姻状况也有错，请撤销其变动或在人员表中手工改正。",
    )
    zhou = await member(ZHOU, "h12-1")
    assert (zhou["marital_status"], zhou["marriage_change_date"], zhou["spouse"]) == ("21", None, "h12-2")
    assert zhou["first_marriage_date"] == dt.date(2009, 10, 1)
    done = await reverse_event(await event_of("h3-1", "outflow"), "外出登记错误", actor=REVIEWER)
    assert set(done.restored) == {"mgmt", "flow"}
    assert done.unrestored == (
        "人户状况：历史中没有记录这次流出之前的人户状况（现为 3），没有恢复。请核对，如有错请在人员表中手工改正。",
    )
    zhao = await member(ZHAO, "h3-1")
    assert (zhao["mgmt"], zhao["flow"], zhao["residence_status"]) == ("01", None, "3")
