"""The fixture township of `tests/support/export_fixture.py` with one wrong change: 刘秀珍 (g2, 红星村) keyed as gone
out (流出) to 深圳 on 2025-10-25 by 李敏 — the timeline and reversal tests start from it."""

from __future__ import annotations

from pathlib import Path

from store import changes, db
from store.importer import import_file
from tests.support.export_fixture import HONGXING, write_fixture

#: 刘秀珍's household
H7 = f"{HONGXING}010002"


async def wrong_outflow() -> int:
    """In the open database: 刘秀珍 keyed as gone out on 2025-10-25 (a mistake); returns the event's id."""
    await changes.save_change("outflow", H7, {"person": "g2", "date": "2025-10-25", "place_code": "440305"},
                              operator="李敏")  # fmt: skip
    rows = await db.fetch("SELECT e.id FROM change_event e JOIN person p ON p.id = e.person_id "
                          "WHERE p.key = 'g2' AND e.kind = 'outflow'")  # fmt: skip
    assert len(rows) == 1
    return int(rows[0][0])


async def build_township(path: Path) -> int:
    """A new database file at `path`: the fixture township and the wrong 流出; returns the event's id."""
    async with db.database(db.resolve(path)):
        report = await import_file(write_fixture(path.with_suffix(".jsonl")), operator="录入员甲")
        assert report.errors == []
        return await wrong_outflow()
