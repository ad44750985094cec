"""The 怀孕 change is dated by the day the pregnancy was reported (`docs/spec/returns.md`, 变更清单), never by
its LMP: a pregnancy keyed in the person form without a report date gets the day it is keyed, so it is in
the change list of the month it was keyed in (before: the LMP's month — often a month already reported)."""

from __future__ import annotations

import datetime as dt

from exports.monthly_data import read_changes
from exports.request import Month
from store import db
from store.domain import people
from store.records import load_households
from tests.support.apps import make_app
from tests.support.data import CODE
from tests.support.pilot import field, settle
from tui.screens.person_form import PersonForm

TODAY = dt.date(2026, 11, 20)


def _record(*pregnancies: dict) -> dict:
    woman = {"pregnancies": list(pregnancies)}
    return {"household": {"code": CODE}, "members": [{"key": "w", "woman": woman}]}


def test_new_pregnancies_get_the_day_keyed() -> None:
    old = {"lmp": dt.date(2025, 1, 5), "reported": None}
    saved = _record(dict(old))
    record = _record(
        dict(old), {"lmp": dt.date(2026, 10, 1)}, {"lmp": dt.date(2026, 9, 1), "reported": dt.date(2026, 9, 30)}
    )
    assert people.date_new_pregnancies(record, saved, TODAY) == 1
    pregnancies = record["members"][0]["woman"]["pregnancies"]
    assert [g.get("reported") for g in pregnancies] == [None, TODAY, dt.date(2026, 9, 30)]  # stored, new, given
    assert people.date_new_pregnancies(_record({"lmp": None}), None, TODAY) == 0


async def test_a_pregnancy_keyed_in_the_person_form_counts_in_the_month_keyed(example_db: db.DbTarget) -> None:
    today = dt.date.today()  # the form dates it with the real clock; the LMP is 40 days before (another month)
    lmp = today - dt.timedelta(days=40)
    keyed, lmp_month = Month(today.year, today.month), Month(lmp.year, lmp.month)
    mark = int(await db.scalar("SELECT coalesce(max(id), 0) FROM change_event") or 0)
    app = make_app(example_db, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        form = PersonForm(CODE, "h12-2")
        app.push_screen(form)
        await settle(pilot, lambda: form.ready and form.findings is not None)
        n = len((form.person.get("woman") or {}).get("pregnancies") or [])
        field(form, f"woman.pregnancies[{n}].lmp").focus()
        await pilot.press(*lmp.isoformat(), "enter")
        await pilot.press("f2")
        await settle(pilot, lambda: not form.dirty and not form.saving)
    rows = await db.fetch("SELECT kind, event_date, report_month FROM change_event WHERE id > ? AND kind = 'pregnancy'",
                          [mark])  # fmt: skip
    assert [(r[0], r[1], r[2]) for r in rows] == [("pregnancy", today, keyed.text)]
    stored = (await load_households([CODE]))[CODE]
    woman = next(m for m in stored["members"] if m["key"] == "h12-2")["woman"]
    assert woman["pregnancies"][-1]["reported"] == today and woman["pregnancies"][-1]["lmp"] == lmp
    listed = [(r.kind, r.name) for r in await read_changes("", keyed, {})]
    before = [(r.kind, r.name) for r in await read_changes("", lmp_month, {})]
    assert ("怀孕", "陈美华") in listed and ("怀孕", "陈美华") not in before
