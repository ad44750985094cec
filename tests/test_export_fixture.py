"""The export fixture (tests/support/export_fixture.py) imports without structural errors."""

from __future__ import annotations

from pathlib import Path

from tests.support.export_fixture import write_fixture


async def test_fixture_imports_cleanly(store_db: object, tmp_path: Path) -> None:
    from store.importer import import_file

    report = await import_file(write_fixture(tmp_path / "fixture.jsonl"), operator="tester")
    assert report.errors == []
    assert report.counts["persons_new"] == 19
