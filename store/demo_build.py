"""``renkou demo``: build a demo database from the synthetic county of :mod:`store.demo`.

An SQLite demo database is built under a temporary name and renamed into place when complete, so an
interrupted run leaves nothing half-made. A database that is not a demo database is never touched.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

from tortoise.transactions import in_transaction

from store import audit, db, schema, users
from store.bulk import BulkWriter
from store.errors import StoreError
from store.interchange import parse_object

BATCH = 1000
DEMO_USER = "demo"


def manifest_path(target: db.DbTarget) -> Path:
    """Where the ground-truth manifest of a demo database is written."""
    if target.path is not None:
        return target.path.with_name(target.path.stem + ".manifest.json")
    return Path.cwd() / "renkou-demo.manifest.json"


def _is_demo_file(path: Path) -> bool:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT value FROM setting WHERE key = 'demo'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return bool(row) and row[0] == "1"


async def build_demo(
    target: db.DbTarget,
    *,
    persons: int,
    seed: int = 1,
    error_rate: float = 0.0,
    as_of: dt.date | None = None,
    force: bool = False,
    if_missing: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Create the demo database; returns a one-line Chinese summary."""
    if target.path is not None and target.path.exists():
        if not _is_demo_file(target.path):
            raise StoreError(f"{target.path} 已有数据且不是演示数据库，不能覆盖。请用 --db 指定别的文件。")
        if if_missing:
            return f"演示数据库已存在：{target.path}"
        if not force:
            raise StoreError(f"演示数据库 {target.path} 已存在。要重新生成请加 --force。")
    building = target
    if target.path is not None:
        tmp = target.path.with_name(target.path.name + ".building")
        for suffix in ("", "-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        building = db.DbTarget("sqlite", str(tmp), tmp)
    try:
        summary = await _fill(
            building, persons, seed, error_rate, as_of or dt.date.today(), manifest_path(target), progress
        )
    except BaseException:
        if building.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(str(building.path) + suffix).unlink(missing_ok=True)
        raise
    if target.path is not None and building.path is not None:
        for suffix in ("-wal", "-shm"):
            Path(str(target.path) + suffix).unlink(missing_ok=True)
        building.path.replace(target.path)
    return f"{summary}，数据库：{target.label}，答案清单：{manifest_path(target)}"


async def _fill(
    target: db.DbTarget, persons: int, seed: int, error_rate: float, as_of: dt.date, manifest: Path,
    progress: Callable[[int, int], None] | None,
) -> str:  # fmt: skip
    from store.demo import generate, write_manifest

    county = generate(persons, seed=seed, error_rate=error_rate, as_of=as_of)
    async with db.database(target):
        if await db.scalar("SELECT count(*) FROM person"):
            raise StoreError(f"数据库 {target.label} 不是空的，演示数据只能建在新数据库中。")
        households = members = 0
        async with db.bulk_cache(), in_transaction() as client:
            await schema.suspend_search_indexes(client)
            await db.execute_many(
                "INSERT INTO unit (code, name, level, parent_id) VALUES (?, ?, ?, ?)",
                [
                    (u["code"], u["name"], u["level"], u["parent"])
                    for u in sorted(county.units, key=lambda u: len(u["code"]))
                ],
                client,
            )
            writer = BulkWriter(client, operator="演示录入员", source="app", entry_time=county.entry_time)
            batch = []
            for payload in county.households:
                record = parse_object(payload).household
                assert record is not None
                batch.append(record)
                if len(batch) >= BATCH:
                    await writer.write(batch, {})
                    households += len(batch)
                    members += sum(len(r["members"]) for r in batch)
                    batch = []
                    if progress:
                        progress(members, persons)
            if batch:
                await writer.write(batch, {})
                households += len(batch)
                members += sum(len(r["members"]) for r in batch)
            await writer.finish()
            await schema.restore_search_indexes(client)
            await schema.set_setting("demo", "1", client)
            await schema.set_setting("demo_as_of", as_of.isoformat(), client)
            await schema.set_setting("demo_seed", str(seed), client)
            await audit.log_action(
                "system",
                "demo",
                target.label,
                f"{households} 户 {members} 人 seed={seed} error_rate={error_rate}",
                client,
            )
        await users.create_user(DEMO_USER, "演示管理员", "demo", "admin", by="system", check_policy=False)
        if progress:
            progress(persons, persons)
    write_manifest(county.manifest, manifest)
    return f"已生成演示数据 {households} 户 {members} 人（种子 {seed}，差错率 {error_rate}）"
