"""Builds ``tests/data/households-v2.jsonl``: a household file of format version 2 as Renkou wrote it when that
version was first written (commit 7f3ebfe: the sections ``month_close``, ``month_signoff``,
``contraception_history`` with four items, ``change_event``).

Run with that program first on the path, from a checkout of that commit (``git archive 7f3ebfe | tar -x``)::

    PYTHONPATH=OLD python tests/data/build_v2_file.py OUT.jsonl

The example households (``tests/data/households.jsonl``) imported, then through the service of that time: a
contraception change (a history row of the method replaced and a change event), a pregnancy keyed in
November, October signed off for 东风村, closed for the township, reopened with a reason and closed again.
Every section of version 2 holds rows. Kept beside the fixture for the record; the tests only read the
fixture.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TODAY = dt.date(2026, 11, 20)


async def build(out: Path) -> None:
    from store import changes, db, months
    from store.exporter import export_households
    from store.importer import import_file
    from tui import services

    with tempfile.TemporaryDirectory() as folder:
        target = db.resolve(Path(folder) / "v2.sqlite3")
        async with db.database(target):
            await import_file(HERE / "households.jsonl", operator="导入员")
            op = {"operator": "李敏", "today": TODAY}
            await changes.save_change("contraception", "430426101201010012",
                                      {"person": "h12-2", "method": "07", "date": "2026-10-12"}, **op)  # fmt: skip
            await changes.save_change("pregnancy", "430426101202010021",
                                      {"person": "f21-2", "lmp": "2026-09-20", "reported": "2026-11-02"}, **op)  # fmt: skip
            await months.sign_off("430426101201", "2026-10", "rev", "张审核",
                                  now=dt.datetime(2026, 11, 3, 9, 0))  # fmt: skip
            await services.close_month("2026-10", "rev", "430426101", force=True, today=TODAY)
            await months.reopen_month("430426101", "2026-10", "补录一户", "boss", now=dt.datetime(2026, 11, 5, 10))
            await services.close_month("2026-10", "rev", "430426101", force=True, today=TODAY)
            await export_households(out, operator="导出员")


if __name__ == "__main__":
    asyncio.run(build(Path(sys.argv[1])))
