"""Bad export requests end in a clear Chinese StoreError and leave no file behind; failures mid-way too."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from exports import monthly_writer
from exports.errors_list import export_errors
from exports.monthly import export_monthly
from exports.request import parse_month
from exports.sample import export_sample
from store import db
from store.errors import StoreError
from store.importer import import_file
from tests.support.export_fixture import MONTH, TOWNSHIP, write_fixture


@pytest.fixture
async def loaded(tmp_path: Path) -> AsyncIterator[Path]:
    """An SQLite database with the fixture, and an output folder."""
    async with db.database(db.resolve(tmp_path / "db.sqlite3")):
        await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="tester")
        folder = tmp_path / "out"
        folder.mkdir()
        yield folder


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def exports_count() -> int:
    return int(await db.scalar("SELECT count(*) FROM audit_log WHERE action = 'export'") or 0)


@pytest.mark.parametrize(
    ("month", "message"),
    [("2025-13", "无效"), ("202510", "无效"), ("25-10", "无效"), ("", "无效"), ("十月", "无效"),
     ("2999-01", "还没有到")],
)  # fmt: skip
async def test_bad_month(loaded: Path, month: str, message: str) -> None:
    out = loaded / "m.xlsx"
    with pytest.raises(StoreError, match=message):
        await export_monthly(out, month, operator="x")
    with pytest.raises(StoreError, match=message):
        await export_sample(out, month, operator="x")
    assert leftovers(loaded) == []
    assert await exports_count() == 0


def test_month_boundaries() -> None:
    today = dt.date(2026, 11, 5)
    assert parse_month("2026-11", today=today).last == dt.date(2026, 11, 30)
    assert parse_month("2024-02", today=today).last == dt.date(2024, 2, 29)
    assert parse_month("2025-12", today=today).before == dt.date(2025, 11, 30)
    with pytest.raises(StoreError, match="还没有到"):
        parse_month("2026-12", today=today)


async def test_unknown_unit(loaded: Path) -> None:
    with pytest.raises(StoreError, match="单位代码 4304261019 不存在"):
        await export_monthly(loaded / "m.xlsx", MONTH, unit="4304261019", operator="x")
    assert leftovers(loaded) == []


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("folder.xlsx", "是一个文件夹"),  # a directory at the target path (as a file locked by another program)
        ("missing/m.xlsx", "不存在"),
        ("m.xls", "扩展名应为 .xlsx"),
    ],
)
async def test_bad_target(loaded: Path, target: str, message: str) -> None:
    (loaded / "folder.xlsx").mkdir()
    with pytest.raises(StoreError, match=message):
        await export_monthly(loaded / target, MONTH, unit=TOWNSHIP, operator="x")
    with pytest.raises(StoreError, match=message):
        await export_errors(loaded / target, operator="x", is_admin=False)
    assert leftovers(loaded) == ["folder.xlsx"]
    assert await exports_count() == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions; see test_unwritable_location")
async def test_read_only_folder(loaded: Path) -> None:
    loaded.chmod(0o555)
    try:
        with pytest.raises(StoreError, match="没有写权限"):
            await export_monthly(loaded / "m.xlsx", MONTH, operator="x")
    finally:
        loaded.chmod(0o755)
    assert leftovers(loaded) == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
async def test_unwritable_location(loaded: Path) -> None:
    """A location no one can write to, even root: the write fails late and still leaves nothing."""
    with pytest.raises(StoreError, match=r"renkou-test\.xlsx"):
        await export_monthly(Path("/proc/renkou-test.xlsx"), MONTH, operator="x")
    assert not Path("/proc/renkou-test.xlsx").exists()
    assert await exports_count() == 0


async def test_failure_while_writing_keeps_the_old_file(loaded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = loaded / "m.xlsx"
    out.write_bytes(b"old workbook")

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(monthly_writer, "write_monthly", broken)
    with pytest.raises(RuntimeError):
        await export_monthly(out, MONTH, operator="x")
    assert out.read_bytes() == b"old workbook"
    assert leftovers(loaded) == ["m.xlsx"]
    assert await exports_count() == 0


async def test_target_locked_at_rename(loaded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows a workbook open in Excel cannot be replaced: the rename fails with PermissionError."""
    out = loaded / "m.xlsx"
    out.write_bytes(b"open in Excel")

    def locked(src: object, dst: object) -> None:
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(StoreError, match="可能正被 Excel、WPS 等程序打开"):
        await export_monthly(out, MONTH, operator="x")
    assert out.read_bytes() == b"open in Excel"
    assert leftovers(loaded) == ["m.xlsx"]
    assert await exports_count() == 0  # the audit entry is rolled back with the failed rename


async def test_existing_file_is_replaced(loaded: Path) -> None:
    out = loaded / "m.xlsx"
    out.write_bytes(b"last month's copy")
    await export_monthly(out, MONTH, operator="x")
    assert out.read_bytes()[:2] == b"PK"
    assert leftovers(loaded) == ["m.xlsx"]


async def test_progress_is_reported(loaded: Path) -> None:
    calls: list[tuple[int, int]] = []
    await export_monthly(loaded / "m.xlsx", MONTH, operator="x", progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1]
    assert all(d <= t for d, t in calls)
