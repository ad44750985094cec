"""The monthly counts read settled persons in groups computed by the database; this must give exactly what
counting every person row by row through `MonthlyCounter.add` gives — on a demo county with planted faults
(odd dates, missing values), for months with births, deaths, moves, marriages and flows, on both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from exports import monthly_data
from exports.monthly_calc import MonthlyCounter, PersonRow, legal_age_from
from exports.request import parse_month
from store import db
from store.demo import generate, to_jsonl_lines
from store.importer import import_file

AS_OF = dt.date(2026, 11, 15)


async def row_by_row(prefix: str, month_text: str, villages: list[str]) -> MonthlyCounter:
    """The reference: every person of the unit through `MonthlyCounter.add`."""
    from checks.engine import load_config

    month = parse_month(month_text, today=AS_OF)
    women = await monthly_data.woman_facts(prefix, month)
    counter = MonthlyCounter(month.first, month.last, villages, women, legal_age_from(await load_config()))
    day = monthly_data._day
    sql = (
        f"SELECT p.id, substr(p.household_id, 1, 12), p.sex, p.mgmt, {day('p.birth_date')}, "
        f"{day('p.moved_in_date')}, {day('p.death_date')}, p.cancel_reason, {day('p.cancel_date')}, "
        f"p.marital_status, {day('p.first_marriage_date')}, {day('p.flow_since')}, p.contraception_method, "
        f"{day('p.contraception_since')} FROM person p WHERE substr(p.household_id, 1, {len(prefix)}) = ? "
        "ORDER BY p.id"
    )
    counter.add_all(PersonRow._make(r) for r in await db.fetch_tuples(sql, [prefix]))
    return counter


@pytest.fixture
async def demo_county(store_db: db.DbTarget, tmp_path: Path) -> db.DbTarget:
    path = tmp_path / "demo.jsonl"
    county = generate(3000, seed=5, error_rate=0.05, as_of=AS_OF)
    path.write_text("\n".join(to_jsonl_lines(county)) + "\n", encoding="utf-8")
    await import_file(path, operator="tester")
    return store_db


@pytest.mark.parametrize("month_text", ["2026-10", "2026-06", "2025-02", "2024-02"])
async def test_grouped_counts_equal_row_by_row(demo_county: db.DbTarget, month_text: str) -> None:
    rows = await db.fetch_tuples("SELECT code FROM unit WHERE level = 'township' ORDER BY code")
    township = str(rows[0][0])
    villages = [str(r[0]) for r in await db.fetch_tuples(
        "SELECT code FROM unit WHERE level = 'village' AND substr(code, 1, 9) = ? ORDER BY code", [township])]  # fmt: skip
    month = parse_month(month_text, today=AS_OF)
    fast = await monthly_data.read_counts(township, month, villages)
    slow = (await row_by_row(township, month_text, villages)).result
    assert fast.counts == slow.counts
    assert (fast.persons, fast.no_entry_date, fast.left_out) == (slow.persons, slow.no_entry_date, slow.left_out)
    assert slow.persons > 1000
    changed = sum(sum(sum(v[:]) for v in by_village.values()) for by_village in slow.counts.values())
    assert changed > 0


async def test_grouped_counts_at_the_age_and_flow_boundaries(demo_county: db.DbTarget) -> None:
    """Settled women born exactly on the WCBA limits and flows starting on the month's edges."""
    month = parse_month("2026-10", today=AS_OF)
    women = await db.fetch_tuples(
        "SELECT p.id FROM person p WHERE p.sex = '2' AND p.marital_status = '21' AND p.first_marriage_date < ? "
        "AND p.death_date IS NULL AND p.cancel_date IS NULL AND p.moved_in_date IS NULL AND p.mgmt = '01' "
        "ORDER BY p.id LIMIT 4",
        [dt.date(2026, 1, 1)],
    )
    births = [dt.date(2011, 10, 31), dt.date(2011, 11, 1), dt.date(1976, 10, 31), dt.date(1976, 11, 1)]
    for (pid,), born in zip(women, births, strict=True):
        await db.execute("UPDATE person SET birth_date = ?, contraception_method = '03' WHERE id = ?", [born, pid])
    flows = await db.fetch_tuples(
        "SELECT p.id FROM person p WHERE p.death_date IS NULL AND p.cancel_date IS NULL AND p.sex = '1' "
        "ORDER BY p.id DESC LIMIT 3"
    )
    starts = [dt.date(2026, 10, 1), dt.date(2026, 10, 31), dt.date(2026, 11, 1)]
    for (pid,), since in zip(flows, starts, strict=True):
        await db.execute("UPDATE person SET mgmt = '02', flow_since = ? WHERE id = ?", [since, pid])
    villages = [str(r[0]) for r in await db.fetch_tuples("SELECT code FROM unit WHERE level = 'village' ORDER BY code")]
    fast = await monthly_data.read_counts("", month, villages)
    slow = (await row_by_row("", "2026-10", villages)).result
    assert fast.counts == slow.counts
    flow_totals = [sum(v[i] for v in slow.counts["flows"].values()) for i in (0, 4)]
    assert flow_totals[1] >= 2  # the two flows starting on the first and the last day are new in the month
