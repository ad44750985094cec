"""The findings list of the review screen (`store.findings_view`): filters, sorts, pages and header counts,
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from store import db
from store.findings_view import (
    FindingFilter,
    audit_date,
    finding_counts,
    finding_page,
    rule_counts,
    unit_name,
    village_choices,
)
from store.importer import import_file
from tests.support.data import EXAMPLE_FILE

DONGFENG = "430426101201"
HONGXING = "430426101202"
#: (rule, severity, household, person key, confirmed): a planted finding table over the example households.
PLANTED = [
    ("ID02", "E", "430426101201010012", "h12-1", False),
    ("MAR2", "W", "430426101201010012", "h12-2", False),
    ("MAR2", "W", "430426101201020003", "h3-1", True),
    ("REQ3", "E", "430426101201020003", "h3-1", False),
    ("HH01", "E", "430426101202010021", None, False),
    ("FLW2", "W", "430426101202010021", "f21-2", False),
    ("INF1", "I", "430426101202010021", "f21-1", False),
]


async def _plant(extra: int = 0) -> None:
    """The example households with the findings of PLANTED (and `extra` more open W of 红星村)."""
    await import_file(EXAMPLE_FILE, operator="tester")
    rows = [(rule, sev, "person" if key else "household", hh, hh[:12], key, f"{rule} 说明 {key or hh}", conf)
            for rule, sev, hh, key, conf in PLANTED]  # fmt: skip
    rows += [("FLW2", "W", "person", "430426101202010021", HONGXING, "f21-1", f"多余 {i:03d}", False)
             for i in range(extra)]  # fmt: skip
    await db.execute("DELETE FROM finding")
    await db.execute_many(
        "INSERT INTO finding (rule, severity, scope, household_code, village_code, person_key, related_json, "
        "fields_json, message, confirmed) VALUES (?, ?, ?, ?, ?, ?, '[]', '[\"first_marriage_date\"]', ?, ?)",
        rows,
    )


async def test_counts_per_unit(store_db: db.DbTarget) -> None:
    await _plant()
    everything = await finding_counts("")
    assert (everything.errors, everything.warnings, everything.confirmed, everything.infos) == (3, 2, 1, 1)
    dongfeng = await finding_counts(DONGFENG)
    assert (dongfeng.errors, dongfeng.warnings, dongfeng.confirmed) == (2, 1, 1)
    assert await finding_counts("430426101") == everything
    assert await finding_counts("430426102") == type(everything)()


async def test_filters_and_default_order(store_db: db.DbTarget) -> None:
    await _plant()
    page = await finding_page(FindingFilter())
    # open E and W, errors first, then village, household, rule
    assert [(r.severity, r.rule, r.household_code[-4:]) for r in page.rows] == [
        ("E", "ID02", "0012"), ("E", "REQ3", "0003"), ("E", "HH01", "0021"), ("W", "MAR2", "0012"),
        ("W", "FLW2", "0021"),
    ]  # fmt: skip
    first = page.rows[0]
    assert (first.person_name, first.village_name, first.person_key) == ("周建军", "东风村", "h12-1")
    assert first.fields == ("first_marriage_date",) and first.confirmed is False
    household_row = next(r for r in page.rows if r.rule == "HH01")
    assert household_row.person_key is None and household_row.person_name == ""

    only_e = await finding_page(FindingFilter(severity="E"))
    assert {r.severity for r in only_e.rows} == {"E"} and only_e.total == 3
    village = await finding_page(FindingFilter(unit=HONGXING, severity="all"))
    assert [r.rule for r in village.rows] == ["HH01", "FLW2", "INF1"]
    confirmed = await finding_page(FindingFilter(status="confirmed"))
    assert [(r.rule, r.person_key, r.confirmed) for r in confirmed.rows] == [("MAR2", "h3-1", True)]
    both = await finding_page(FindingFilter(rule="MAR2", status="all"))
    assert both.total == 2 and all(r.rule == "MAR2" for r in both.rows)
    by_rule = await finding_page(FindingFilter(sort="rule", severity="all", status="all"))
    assert [r.rule for r in by_rule.rows] == sorted(r.rule for r in by_rule.rows)
    by_village = await finding_page(FindingFilter(sort="village"))
    assert [r.household_code for r in by_village.rows] == sorted(r.household_code for r in by_village.rows)


async def test_pages_cover_the_list_once(store_db: db.DbTarget) -> None:
    await _plant(extra=23)
    flt = FindingFilter(unit=HONGXING, severity="W")
    seen: list[int] = []
    offset = 0
    while True:
        page = await finding_page(flt, offset, limit=10)
        assert page.total == 24 and page.offset == offset
        seen += [r.id for r in page.rows]
        if not page.has_next:
            break
        offset += 10
    assert len(seen) == len(set(seen)) == 24
    assert [len((await finding_page(flt, o, limit=10)).rows) for o in (0, 10, 20)] == [10, 10, 4]
    # past the end: the last page, never an empty one
    late = await finding_page(flt, 40, limit=10)
    assert late.offset == 20 and len(late.rows) == 4 and late.has_previous and not late.has_next
    empty = await finding_page(FindingFilter(unit="430426102"), 30)
    assert empty.rows == [] and empty.total == 0 and empty.offset == 0


async def test_choices_names_and_rule_counts(store_db: db.DbTarget) -> None:
    await _plant()
    assert await village_choices("") == [(DONGFENG, "东风村"), (HONGXING, "红星村")]
    assert await village_choices(HONGXING) == [(HONGXING, "红星村")]
    assert await unit_name("") == "祁东县" and await unit_name("430426101") == "城关镇"
    assert await rule_counts(DONGFENG) == {"ID02": 1, "MAR2": 2, "REQ3": 1}
    assert await rule_counts(DONGFENG, status="open") == {"ID02": 1, "MAR2": 1, "REQ3": 1}
    assert await audit_date() is None
    from store.schema import set_setting

    await set_setting("audit_as_of", "2026-11-15")
    assert await audit_date() == dt.date(2026, 11, 15)
