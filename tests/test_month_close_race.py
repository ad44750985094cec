"""An edit racing a month close (封账) never falls between the months: the close computes its figures in the
same write transaction that records it (`store.months.close_month`).

Two connections to one SQLite file, as two clerks' programs: the first holds an edit of October open (its
write transaction has decided the change line counts in October, which is open); the close starts on the
second. The edit commits only once the close has reached its write transaction. The kept October figures
must contain the edit — before the fix they were computed from the records before it, while the change line
still counted in October, so the death was in no month's returns.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from exports.monthly import export_monthly
from store import db, months
from store.importer import import_file
from tests.support.clock import freeze_today
from tests.support.export_fixture import MONTH, TOWNSHIP, write_fixture
from tests.support.workbooks import header_row, table
from tui import services


def deaths(path: Path) -> dict[str, object]:
    headers, rows = table(openpyxl.load_workbook(path)["人口变动"])
    return {label: cells[headers.index("死亡")].value for label, cells in rows.items()}


def change_count(path: Path) -> int:
    sheet = openpyxl.load_workbook(path)["变更清单"]
    return sum(1 for r in sheet.iter_rows(min_row=header_row(sheet) + 1) if r[1].value)


@pytest.mark.parametrize("store_db", ["sqlite"], indirect=True)
async def test_an_edit_racing_the_close_is_in_the_closed_month(
    store_db: db.DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_today(monkeypatch, dt.date(2025, 11, 5), dt.datetime(2025, 11, 5, 10, 0))
    assert (await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="录入员甲")).errors == []
    before = tmp_path / "before.xlsx"
    await export_monthly(before, MONTH, unit=TOWNSHIP, operator="统计员")
    person_id, household = (await db.fetch(
        "SELECT id, household_id FROM person WHERE death_date IS NULL AND cancel_date IS NULL AND mgmt = '01' "
        "ORDER BY id LIMIT 1"
    ))[0]  # fmt: skip

    # the other clerk's edit: a death on 20 October, its line counted in October (open when it was decided)
    other = sqlite3.connect(str(store_db.path), timeout=10, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE person SET death_date = '2025-10-20', cancel_reason = '01', cancel_date = '2025-10-20' "
                  "WHERE id = ?", [person_id])  # fmt: skip
    other.execute(
        "INSERT INTO change_event (kind, event_date, person_id, household_code, entered_at, operator, source, "
        "report_month, correction) VALUES ('death', '2025-10-20', ?, ?, '2025-11-05 09:59:00', '录入员乙', 'app', "
        "'2025-10', 0)",
        [person_id, household],
    )

    reached = asyncio.Event()
    real = months.in_transaction

    @asynccontextmanager
    async def watched(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        reached.set()  # the close is about to begin its write transaction (it waits for the edit's lock)
        async with real(*args, **kwargs) as client:
            yield client

    monkeypatch.setattr(months, "in_transaction", watched)
    closing = asyncio.create_task(services.close_month(MONTH, "审核员", TOWNSHIP, force=True))
    await asyncio.wait_for(reached.wait(), timeout=120)
    other.execute("COMMIT")
    other.close()
    await closing

    closed = tmp_path / "closed.xlsx"
    await export_monthly(closed, MONTH, unit=TOWNSHIP, operator="统计员")
    assert deaths(closed)["合计"] == int(deaths(before)["合计"]) + 1
    assert change_count(closed) == change_count(before) + 1  # its change line is in October's list too


@pytest.mark.parametrize("store_db", ["sqlite"], indirect=True)
async def test_a_village_of_a_closed_township_shows_the_closed_figures(
    store_db: db.DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decision: a village's workbook of a month closed for its township is the village's part of what the
    township closed (its rows, its change lines, 合计 from them), marked as such in 说明 — never recomputed."""
    from tests.support.export_fixture import DONGFENG

    freeze_today(monkeypatch, dt.date(2025, 11, 5), dt.datetime(2025, 11, 5, 10, 0))
    assert (await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="录入员甲")).errors == []
    township = tmp_path / "township.xlsx"
    await services.close_month(MONTH, "审核员", TOWNSHIP, force=True)
    await export_monthly(township, MONTH, unit=TOWNSHIP, operator="统计员")
    person_id = (await db.fetch("SELECT id FROM person WHERE death_date IS NULL AND household_id LIKE ? "
                                "ORDER BY id LIMIT 1", [DONGFENG + "%"]))[0][0]  # fmt: skip
    await db.execute("UPDATE person SET death_date = '2025-10-20', cancel_reason = '01', cancel_date = '2025-10-20' "
                     "WHERE id = ?", [person_id])  # fmt: skip  # records edited behind the close's back
    village = tmp_path / "village.xlsx"
    await export_monthly(village, MONTH, unit=DONGFENG, operator="统计员")
    book = openpyxl.load_workbook(village)
    kept = openpyxl.load_workbook(township)
    for name in ("人口变动", "出生情况", "避孕节育", "孕情婚姻", "流动人口"):
        headers, rows = table(book[name])
        kept_headers, kept_rows = table(kept[name])
        assert list(rows) == ["东风村", "合计"] and headers == kept_headers
        assert [c.value for c in rows["东风村"]] == [c.value for c in kept_rows["东风村"]], name
        assert [c.value for c in rows["合计"]][1:] == [c.value for c in kept_rows["东风村"]][1:], name
    lines = [r[0].value for r in book["变更清单"].iter_rows(min_row=header_row(book["变更清单"]) + 1) if r[1].value]
    assert lines and set(lines) == {"东风村"}
    notes = {str(r[0].value): str(r[1].value) for r in book["说明"].iter_rows(min_row=3) if r[0].value}
    assert "本单位的数字取自上级单位" in notes["封账"] and f"（{TOWNSHIP}）封账时保存的报表" in notes["封账"]


@pytest.mark.postgres
@pytest.mark.parametrize("store_db", ["postgres"], indirect=True)
async def test_an_edit_racing_the_close_is_in_the_closed_month_on_postgres(
    store_db: db.DbTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race on PostgreSQL: the edit holds the ``month_close`` lock shared (as every household write
    does, `store.months.active_closes`); the close waits for it before computing its figures."""
    import asyncpg

    freeze_today(monkeypatch, dt.date(2025, 11, 5), dt.datetime(2025, 11, 5, 10, 0))
    assert (await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="录入员甲")).errors == []
    before = tmp_path / "before.xlsx"
    await export_monthly(before, MONTH, unit=TOWNSHIP, operator="统计员")
    person_id, household = (await db.fetch(
        "SELECT id, household_id FROM person WHERE death_date IS NULL AND cancel_date IS NULL AND mgmt = '01' "
        "ORDER BY id LIMIT 1"
    ))[0]  # fmt: skip
    other = await asyncpg.connect(store_db.url.replace("postgres://", "postgresql://", 1))
    try:
        edit = other.transaction()
        await edit.start()
        await other.execute("SELECT pg_advisory_xact_lock_shared(hashtext('month_close'))")
        await other.execute("UPDATE person SET death_date = '2025-10-20', cancel_reason = '01', "
                            "cancel_date = '2025-10-20' WHERE id = $1", person_id)  # fmt: skip
        await other.execute(
            "INSERT INTO change_event (kind, event_date, person_id, household_code, entered_at, operator, source, "
            "report_month, correction) VALUES ('death', '2025-10-20', $1, $2, now(), '录入员乙', 'app', '2025-10', "
            "false)",
            person_id,
            household,
        )
        closing = asyncio.create_task(services.close_month(MONTH, "审核员", TOWNSHIP, force=True))
        for _ in range(2400):  # until the close waits for the edit's lock (bounded: 2 minutes)
            if await other.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"):
                break
            assert not closing.done(), closing.exception()
            await asyncio.sleep(0.05)
        await edit.commit()
    finally:
        await other.close()
    await closing
    closed = tmp_path / "closed.xlsx"
    await export_monthly(closed, MONTH, unit=TOWNSHIP, operator="统计员")
    assert deaths(closed)["合计"] == int(deaths(before)["合计"]) + 1
    assert change_count(closed) == change_count(before) + 1
