"""A person's timeline (历史数据) and reversals (撤销): `store.field_changes`, `store.timeline`, `store.reversal`.

The fixture township of `tests/support/export_fixture.py` on 5 November 2025: 刘秀珍 (g2, 红星村) is keyed as
gone out (流出) on 25 October; the reversal of that wrong event restores her record and is counted — withdrawn
from October while it is open, a 更正 line of November once October is closed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from exports.monthly import export_monthly
from store import access, changes, db, models, schema, service
from store.errors import StoreError
from store.importer import import_file
from store.masking import mask_id
from store.records import load_households
from store.reversal import reverse_event
from store.timeline import find_person, person_timeline
from tests.support.clock import freeze_today
from tests.support.data import add_accounts
from tests.support.export_fixture import MONTH, TOWNSHIP, write_fixture
from tests.support.timeline import H7, build_township, wrong_outflow
from tests.support.workbooks import header_row, table
from tui import services

NOVEMBER = "2025-11"
ROOT = Path(__file__).resolve().parents[1]
REVIEWER = access.Actor("rev", "张审核", "reviewer")
OPERATOR = access.Actor("clerk", "李敏", "operator")
FIGURES = ("人口变动", "出生情况", "避孕节育", "孕情婚姻", "流动人口")


@pytest.fixture
async def township(store_db: db.DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> db.DbTarget:
    freeze_today(monkeypatch, dt.date(2025, 11, 5), dt.datetime(2025, 11, 5, 10, 0))
    report = await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="录入员甲")
    assert report.errors == []
    return store_db


async def g2() -> dict:
    return next(p for p in (await load_households([H7]))[H7]["members"] if p["key"] == "g2")


async def export(tmp_path: Path, month: str, name: str) -> Path:
    out = tmp_path / f"{name}.xlsx"
    await export_monthly(out, month, unit=TOWNSHIP, operator="统计员乙")
    return out


def figures(path: Path) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    return {name: [[c.value for c in row] for row in book[name].iter_rows()] for name in FIGURES}


def lines_of(path: Path, name: str) -> list[str]:
    sheet = openpyxl.load_workbook(path)["变更清单"]
    top = header_row(sheet)
    return [str(r[4].value) for r in sheet.iter_rows(min_row=top + 1) if r[2].value == name]


def outflows(path: Path, village: str = "红星村") -> object:
    headers, rows = table(openpyxl.load_workbook(path)["流动人口"])
    return dict(zip(headers, [c.value for c in rows[village]], strict=True))


async def test_field_changes_are_recorded_with_the_event(township: db.DbTarget) -> None:
    event = await wrong_outflow()
    rows = await db.fetch("SELECT field, before, after, changed_by, event_id FROM field_change ORDER BY field")
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        ("flow", None, "李敏", event),
        ("mgmt", '"01"', "李敏", event),
        ("residence_status", '"1"', "李敏", event),
    ]
    assert rows[1][2] == '"03"'
    # a save that changes nothing records nothing
    record = (await load_households([H7]))[H7]
    await service.save_household(record, operator="李敏")
    assert await db.scalar("SELECT count(*) FROM field_change") == 3


async def test_timeline_lists_everything_in_time_order(township: db.DbTarget) -> None:
    await wrong_outflow()
    record = (await load_households([H7]))[H7]
    person = next(p for p in record["members"] if p["key"] == "g2")
    person["name"] = "刘秀贞"
    await service.save_household(record, operator="王芳")
    ref = await find_person("g2")
    entries = await person_timeline(ref.id)
    history_kinds = {"避孕", "婚姻", "流动", "居住"}
    assert [(e.day, e.kind, e.text) for e in entries if e.kind in history_kinds] == [
        (None, "婚姻", "10 未婚；始于原有记录"),
        (dt.date(1960, 1, 1), "流动", "01 户籍人口（至 2025-10-25）；始于原有记录，止于流出"),
        (dt.date(1960, 1, 1), "居住", "户编码 430426101202010002；始于出生"),
        (dt.date(2025, 10, 25), "流动", "03 流出人口，流入地广东省深圳市南山区；始于流出"),
    ]  # the histories (store.histories) are merged in
    texts = [(e.day, e.kind, e.text, e.who) for e in entries if e.kind not in history_kinds]
    assert texts == [
        (dt.date(1960, 1, 1), "变动", "出生，计入 1960-01", "录入员甲（导入）"),
        (dt.date(2025, 10, 25), "变动", "流出，计入 2025-10", "李敏"),
        (dt.date(2025, 11, 5), "修改", "人户状况：人户一致 → 户在人不在", "李敏"),
        (dt.date(2025, 11, 5), "修改", "管理属性：户籍人口 → 流出人口", "李敏"),
        (dt.date(2025, 11, 5), "修改", "流动：（空） → 流出 自2025-10-25 广东省深圳市南山区", "李敏"),
        (dt.date(2025, 11, 5), "修改", "姓名：刘秀珍 → 刘秀贞", "王芳"),
    ]
    events = [e for e in entries if e.kind == "变动"]
    assert events[1].event_id is not None and not events[1].reversed
    # a woman's history: contraception, pregnancy and outcome, children
    a2 = await person_timeline((await find_person("a2")).id)
    kinds = [(e.day, e.kind, e.text) for e in a2]
    assert (dt.date(2018, 4, 1), "生育", "生育第 1 孩 未取名，女") in kinds
    assert (dt.date(2025, 10, 5), "孕情", "妊娠结局：活产") in kinds
    assert [k for k in kinds if k[1] == "变动"][2:] == [
        (dt.date(2025, 1, 1), "变动", "怀孕，计入 2025-01"), (dt.date(2025, 10, 5), "变动", "妊娠结局，计入 2025-10"),
        (dt.date(2025, 10, 20), "变动", "避孕措施，计入 2025-10")]  # fmt: skip
    assert [e.day for e in a2] == sorted(e.day for e in a2)


async def test_find_person_by_key_or_id_in_scope(township: db.DbTarget) -> None:
    ref = await find_person("g2")
    assert (await find_person(ref.id_number)).key == "g2"
    masked = await find_person("g2", full_ids=False)
    assert masked.id_number[:6] == ref.id_number[:6] and "*" in masked.id_number
    with pytest.raises(StoreError, match="没有找到人员编号或身份证号为 nobody 的人"):
        await find_person("nobody")
    outside = access.Actor("far", "远方", "operator", ("430426102",))
    with pytest.raises(access.AccessDenied, match="不在本账号负责的单位"):
        await find_person("g2", actor=outside)


async def test_reversal_in_an_open_month_restores_and_withdraws(township: db.DbTarget, tmp_path: Path) -> None:
    clean = await export(tmp_path, MONTH, "clean")
    event = await wrong_outflow()
    wrong = await export(tmp_path, MONTH, "wrong")
    assert lines_of(wrong, "刘秀珍") == ["流出"]
    assert outflows(wrong)["流出人口"] == outflows(clean)["流出人口"] + 1

    done = await reverse_event(event, "  录错了人，刘秀珍没有外出  ", actor=REVIEWER)
    assert done.withdrawn and set(done.restored) == {"flow", "mgmt", "residence_status"}
    person = await g2()
    assert (person["mgmt"], person["residence_status"], person["flow"]) == ("01", "1", None)
    after = await export(tmp_path, MONTH, "after")
    assert lines_of(after, "刘秀珍") == []  # withdrawn from the open month's change list ...
    assert figures(after) == figures(clean)  # ... and from its figures
    assert await db.scalar("SELECT count(*) FROM change_event WHERE id = ?", [event]) == 1  # kept, never deleted

    entries = await person_timeline((await find_person("g2")).id)
    assert [e.text for e in entries if e.event_id == event] == ["流出，计入 2025-10，已撤销"]
    assert entries[-1].kind == "撤销" and entries[-1].who == "rev"
    assert entries[-1].text == f"撤销变动 {event}（流出 2025-10-25），不再计入；理由：录错了人，刘秀珍没有外出"
    restored = [e.text for e in entries if e.kind == "修改"][-3:]
    assert "管理属性：流出人口 → 户籍人口" in restored
    log = await db.fetch("SELECT username, action, target, detail FROM audit_log WHERE action = 'reverse'")
    assert [tuple(r) for r in log] == [
        ("rev", "reverse", H7, f"撤销变动 {event}（流出 2025-10-25）：录错了人，刘秀珍没有外出")
    ]
    with pytest.raises(StoreError, match="已由 rev 撤销过"):
        await reverse_event(event, "再来一次", actor=REVIEWER)


async def test_reversal_of_a_closed_month_is_a_correction(township: db.DbTarget, tmp_path: Path) -> None:
    event = await wrong_outflow()
    await services.close_month(MONTH, "审核员", TOWNSHIP, force=True)
    closed = await export(tmp_path, MONTH, "closed")
    done = await reverse_event(event, "录错了人", actor=REVIEWER)
    assert not done.withdrawn and (await g2())["mgmt"] == "01"
    assert figures(await export(tmp_path, MONTH, "again")) == figures(closed)  # the closed month stays
    november = await export(tmp_path, NOVEMBER, "november")
    assert lines_of(november, "刘秀珍") == ["流出（更正）"]  # one correction line, counted in November
    rows = await db.fetch("SELECT report_month FROM change_event WHERE correction = ? AND kind = 'outflow'", [True])
    assert [r[0] for r in rows] == [NOVEMBER]
    entries = await person_timeline((await find_person("g2")).id)
    assert entries[-1].text.startswith(f"撤销变动 {event}（流出 2025-10-25），已封账月份，本月计更正")
    # an event without recorded field changes (imported): what it added is derived and put back, still corrected
    death = await db.scalar("SELECT e.id FROM change_event e JOIN person p ON p.id = e.person_id "
                            "WHERE p.key = 'b1' AND e.kind = 'death'")  # fmt: skip
    done = await reverse_event(int(death), "死亡登记错误", actor=REVIEWER)
    assert done.restored == ("death_date", "cancel") and done.unrestored == ()
    b1 = await db.fetch("SELECT death_date, cancel_reason FROM person WHERE key = 'b1'")
    assert [tuple(r) for r in b1] == [(None, None)]
    assert lines_of(await export(tmp_path, NOVEMBER, "november2"), "周德厚") == ["死亡（更正）"]


async def test_reversal_is_refused_without_permission_or_reason(township: db.DbTarget) -> None:
    event = await wrong_outflow()
    with pytest.raises(access.AccessDenied, match="录入员不能撤销错误的变动"):
        await reverse_event(event, "录错了", actor=OPERATOR)
    outside = access.Actor("far", "远方", "reviewer", ("430426102",))
    with pytest.raises(access.AccessDenied, match="不在本账号负责的单位"):
        await reverse_event(event, "录错了", actor=outside)
    with pytest.raises(StoreError, match="请写明撤销的理由"):
        await reverse_event(event, "   ", actor=REVIEWER)
    with pytest.raises(StoreError, match="终端控制序列"):
        await reverse_event(event, "录错\x1b[31m了", actor=REVIEWER)
    with pytest.raises(StoreError, match="不属于此人"):
        await reverse_event(event, "录错了", actor=REVIEWER, person_key="g1")
    assert (await g2())["mgmt"] == "03"  # nothing changed
    assert await db.scalar("SELECT count(*) FROM event_reversal") == 0
    denied = await db.fetch("SELECT username, target FROM audit_log WHERE action = 'access.denied'")
    assert [tuple(r) for r in denied][:2] == [("clerk", "reverse"), ("far", "edit")]


async def test_reversal_refused_when_the_item_changed_again(township: db.DbTarget) -> None:
    event = await wrong_outflow()
    record = (await load_households([H7]))[H7]
    person = next(p for p in record["members"] if p["key"] == "g2")
    person["residence_status"] = "2"
    await service.save_household(record, operator="王芳")
    with pytest.raises(StoreError, match="人户状况在这次变动之后又改过"):
        await reverse_event(event, "录错了", actor=REVIEWER)
    assert (await g2())["mgmt"] == "03" and await db.scalar("SELECT count(*) FROM event_reversal") == 0


async def test_migration_6_to_7_adds_the_tables_and_keeps_data(township: db.DbTarget) -> None:
    """A version-6 database (no field changes, no reversals) is upgraded on opening; its records stay."""
    persons = await db.scalar("SELECT count(*) FROM person")
    await db.execute("DROP TABLE field_change")
    await db.execute("DROP TABLE event_reversal")
    await schema.set_setting("schema_version", "6")
    await schema.ensure_schema()
    assert await schema.schema_version() == models.SCHEMA_VERSION == 8
    assert await db.scalar("SELECT count(*) FROM person") == persons
    event = await wrong_outflow()  # the save path writes field changes into the new table ...
    assert await db.scalar("SELECT count(*) FROM field_change WHERE event_id = ?", [event]) == 3
    assert (await reverse_event(event, "录错了", actor=REVIEWER)).withdrawn  # ... and a reversal its row
    await schema.MIGRATIONS[6](db.conn())  # self-contained: running it again changes nothing
    assert await db.scalar("SELECT count(*) FROM event_reversal") == 1


def renkou(path: Path, *args: str, user: str) -> subprocess.CompletedProcess[str]:
    """``renkou … --db PATH --user USER`` as a real process (password secret123)."""
    env = {**os.environ, "RENKOU_PASSWORD": "secret123"}
    return subprocess.run([sys.executable, "-m", "tui.cli", *args, "--db", str(path), "--user", user], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=env)  # fmt: skip


def test_history_command(tmp_path: Path, private_data: Path) -> None:
    """``renkou history`` prints the timeline (ID masked for an operator); ``--reverse`` reverses (admins)."""
    path = tmp_path / "township.sqlite3"

    async def prepare() -> tuple[int, str]:
        event = await build_township(path)
        async with db.database(db.resolve(path), create=False):
            await add_accounts()
            return event, str(await db.scalar("SELECT id_number FROM person WHERE key = 'g2'"))

    event, id_number = asyncio.run(prepare())
    shown = renkou(path, "history", id_number, user="clerk")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("刘秀珍  人员编号 g2") and mask_id(id_number) in lines[0] and id_number not in lines[0]
    assert f"{event}\t2025-10-25\t变动\t流出，计入 2025-10\t李敏\t" in shown.stdout
    assert "修改\t管理属性：户籍人口 → 流出人口" in shown.stdout and lines[-1] == "共 9 条。"

    refused = renkou(path, "history", "g2", "--reverse", str(event), "--reason", "录错了", user="clerk")
    assert refused.returncode != 0 and "录入员不能撤销错误的变动" in refused.stderr
    no_reason = renkou(path, "history", "g2", "--reverse", str(event), user="boss")
    assert no_reason.returncode != 0 and "--reason" in no_reason.stderr

    done = renkou(path, "history", "g2", "--reverse", str(event), "--reason", "录错了人", user="boss")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"已撤销编号 {event} 的变动，不再计入月报")
    assert id_number in done.stdout  # an admin sees the whole number
    assert "流出，计入 2025-10，已撤销" in done.stdout and "理由：录错了人" in done.stdout

    async def after() -> tuple[str, list[str]]:
        async with db.database(db.resolve(path), create=False):
            mgmt = str(await db.scalar("SELECT mgmt FROM person WHERE key = 'g2'"))
            actions = [str(r[0]) for r in await db.fetch("SELECT action FROM audit_log ORDER BY id")]
            return mgmt, actions

    mgmt, actions = asyncio.run(after())
    assert mgmt == "01" and "reverse" in actions and "access.denied" in actions


async def test_reversing_a_new_method_brings_back_the_old_one_without_counting_it_again(
    township: db.DbTarget,
) -> None:
    """吴芳 (d2) uses condoms since 2011; an IUD keyed on 2025-10-28 by mistake is reversed: the condoms come
    back, and the 2011 placement is not counted a second time."""
    h4 = "430426101201010004"
    await changes.save_change("contraception", h4, {"person": "d2", "method": "03", "date": "2025-10-28"},
                              operator="李敏")  # fmt: skip
    event = await db.scalar("SELECT e.id FROM change_event e JOIN person p ON p.id = e.person_id "
                            "WHERE p.key = 'd2' AND e.kind = 'contraception' AND e.event_date = ?",
                            [dt.date(2025, 10, 28)])  # fmt: skip
    done = await reverse_event(int(event), "措施录错了", actor=REVIEWER)
    assert done.restored == ("woman.contraception",)
    d2 = next(p for p in (await load_households([h4]))[h4]["members"] if p["key"] == "d2")
    assert d2["woman"]["contraception"]["method"] == "07"
    assert d2["woman"]["contraception"]["since"] == dt.date(2011, 1, 1)
    kinds = await db.fetch("SELECT e.kind, e.event_date FROM change_event e JOIN person p ON p.id = e.person_id "
                           "WHERE p.key = 'd2' AND e.kind = 'contraception' ORDER BY e.id")  # fmt: skip
    assert [r[1] for r in kinds] == [dt.date(2011, 1, 1), dt.date(2025, 10, 28)]  # no second 2011 line
    entries = await person_timeline((await find_person("d2")).id)
    assert [(e.kind, e.text) for e in entries if e.kind == "避孕"] == [
        ("避孕", "07 避孕套（至 2025-10-28）；始于原有记录，止于更换措施"),
        ("避孕", "07 避孕套；始于撤销"),
        ("避孕", "03 宫内节育器（至 2011-01-01）；始于更换措施，止于撤销"),
    ]  # the wrong IUD ends as 撤销, never as a 取环 counted in the returns
    assert "避孕节育：宫内节育器 自2025-10-28 → 避孕套 自2011-01-01" in [e.text for e in entries]
