"""Property: for any valid household file, import → export reproduces the same data for every key."""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from store import db
from store.exporter import export_households
from store.importer import import_file
from store.interchange import parse_line
from tests.support.households import household_file
from tests.support.pg import PG_REQUIRED, PG_URL, pg_admin, pg_reason


def normalised(path: Path) -> list[tuple[object, object]]:
    rows = [t for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]
    parsed = (parse_line(t, n) for n, t in enumerate(rows, 1))
    return [(p.unit, p.household) for p in parsed if p.unit or p.household]  # the records, not the other tables


async def round_trip(lines: list[dict], folder: Path, target: db.DbTarget | None = None) -> tuple[list, list]:
    source = folder / "in.jsonl"
    source.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in lines), encoding="utf-8")
    out = folder / "out.jsonl"
    async with db.database(target or db.resolve(folder / "rt.sqlite3")):
        report = await import_file(source, operator="prop")
        assert report.errors == []
        await export_households(out, operator="prop")
    return normalised(source), normalised(out)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(household_file())
def test_import_export_round_trip(lines: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        before, after = asyncio.run(round_trip(lines, Path(folder)))
    assert after == before


async def _pg_round_trip(lines: list[dict], folder: Path) -> tuple[list, list]:
    name = f"renkou_rt_{uuid.uuid4().hex[:12]}"
    await pg_admin(f"CREATE DATABASE {name}")
    try:
        return await round_trip(lines, folder, db.resolve(f"{PG_URL.rsplit('/', 1)[0]}/{name}"))
    finally:
        await pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.postgres
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(household_file())
def test_import_export_round_trip_postgres(lines: list[dict]) -> None:
    reason = asyncio.run(pg_reason())
    if reason:
        if PG_REQUIRED:
            pytest.fail(f"PostgreSQL is required here (RENKOU_REQUIRE_PG=1): {reason}")
        pytest.skip(reason)
    with tempfile.TemporaryDirectory() as folder:
        before, after = asyncio.run(_pg_round_trip(lines, Path(folder)))
    assert after == before
