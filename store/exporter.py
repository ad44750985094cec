"""``renkou export households``: the database as a household file (`docs/spec/interchange.md` §1).

The file is written in the current format version (`store.interchange_tables`): the ``format`` line, the units,
the households, then the rows of every extra table (closed months, sign-offs, histories, change events)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from store import audit, db, interchange_tables
from store.errors import StoreError
from store.interchange import format_line, household_line, unit_line
from store.private import open_private, private_dir
from store.records import iter_households, load_units
from store.section_rows import export_rows, row_line


def _open_target(out: Path) -> tuple[Path, object]:
    """Open a temporary file beside `out`; the export is renamed into place when complete."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        private_dir(out.parent)
        return tmp, open_private(tmp, "w")
    except OSError as exc:
        raise StoreError(f"无法写入 {out}（{exc.strerror}）。请检查目录是否存在、是否有写权限。") from None


async def export_households(
    out: Path, *, operator: str, unit: str = "", progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Write units then households (of `unit`, default all); returns (households, persons)."""
    if unit and not await db.scalar("SELECT 1 FROM unit WHERE code = ?", [unit]):
        raise StoreError(f"单位代码 {unit} 不存在。请用 renkou export households 不带 --unit，或检查代码。")
    tmp, handle = _open_target(out)
    households = persons = 0
    try:
        with handle:  # type: ignore[attr-defined]
            handle.write(format_line() + "\n")  # type: ignore[attr-defined]
            for u in await load_units(unit):
                handle.write(unit_line(u) + "\n")  # type: ignore[attr-defined]
            async for batch in iter_households(unit):
                for record in batch:
                    handle.write(household_line(record) + "\n")  # type: ignore[attr-defined]
                    persons += len(record["members"])
                households += len(batch)
                if progress:
                    progress(households)
            for section in interchange_tables.SECTIONS:
                async for rows in export_rows(section, unit):
                    handle.write("".join(row_line(section, row) + "\n" for row in rows))  # type: ignore[attr-defined]
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"写入 {out} 失败（{exc.strerror}）。磁盘可能已满；原有文件未改动。") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    await audit.log_action(
        operator, "export", str(out)[-120:], f"households unit={unit or '全部'} {households} 户 {persons} 人"
    )
    return households, persons
