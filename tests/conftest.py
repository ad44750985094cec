"""Shared fixtures: a fresh database per test (SQLite and, when reachable, PostgreSQL), the example
households, the audited demo township and accounts. The helpers behind them are in ``tests/support``."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from store import db
from tests.support.data import (
    add_accounts,
    build_audited_demo,
    import_example,
)
from tests.support.pg import PG_REQUIRED, PG_URL, pg_admin, pg_reason


@asynccontextmanager
async def open_copy(source: Path, path: Path) -> AsyncIterator[db.DbTarget]:
    """A private copy of a database file built once per session, open for one test."""
    shutil.copy(source, path)
    async with db.database(path, create=False) as target:
        yield target


@pytest.fixture(autouse=True)
def keep_umask() -> Iterator[None]:
    """`renkou`'s `main` sets a private umask for its process: a test that calls it in-process must not change
    the umask that later tests (and the users and folders they make) are created with."""
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[db.DbTarget]:
    """An open, empty database (SQLite file, or a fresh PostgreSQL database)."""
    if request.param == "sqlite":
        target = db.resolve(tmp_path / "test.sqlite3")
        async with db.database(target):
            yield target
        return
    reason = await pg_reason()
    if reason:
        if PG_REQUIRED:
            pytest.fail(f"PostgreSQL is required here (RENKOU_REQUIRE_PG=1): {reason}")
        pytest.skip(reason)
    name = f"renkou_t_{uuid.uuid4().hex[:12]}"
    await pg_admin(f"CREATE DATABASE {name}")
    base = PG_URL.rsplit("/", 1)[0]
    target = db.resolve(f"{base}/{name}")
    try:
        async with db.database(target):
            yield target
    finally:
        await pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """A path for an SQLite database file that does not exist yet."""
    return tmp_path / "renkou.sqlite3"


@pytest.fixture
def private_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's data folder (drafts) under the test's own folder; no person remembered by F9."""
    from tui.screens.person_form import PersonForm

    folder = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    monkeypatch.setattr(PersonForm, "previous_person", None)
    return folder


@pytest.fixture(scope="session")
def example_file_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file holding the example households (built once; tests work on copies)."""
    path = tmp_path_factory.mktemp("example") / "example.sqlite3"
    asyncio.run(import_example(path))
    return path


@pytest.fixture
async def example_db(example_file_db: Path, tmp_path: Path, private_data: Path) -> AsyncIterator[db.DbTarget]:
    """A private copy of the example households, open; drafts under the test's own data folder."""
    async with open_copy(example_file_db, tmp_path / "example.sqlite3") as target:
        yield target


@pytest.fixture
async def accounts_db(example_db: db.DbTarget) -> db.DbTarget:
    """The example households with an admin (boss) and an operator (clerk), password secret123."""
    await add_accounts()
    return example_db


@pytest.fixture(scope="session")
def audited_demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The audited demo township (built once per test session; tests work on copies)."""
    path = tmp_path_factory.mktemp("audited-demo") / "demo.sqlite3"
    asyncio.run(build_audited_demo(path))
    return path


@pytest.fixture
async def audited_demo(audited_demo_file: Path, tmp_path: Path, private_data: Path) -> AsyncIterator[db.DbTarget]:
    """A private copy of the audited demo township, open."""
    async with open_copy(audited_demo_file, tmp_path / "demo.sqlite3") as target:
        yield target


@pytest.fixture(scope="session")
def small_demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo township (600 persons, many planted faults), audited (built once per session)."""
    path = tmp_path_factory.mktemp("small-demo") / "demo.sqlite3"
    asyncio.run(build_audited_demo(path, persons=600, error_rate=0.15))
    return path


@pytest.fixture
async def small_demo(small_demo_file: Path, tmp_path: Path, private_data: Path) -> AsyncIterator[db.DbTarget]:
    """A private copy of the small demo township, open."""
    async with open_copy(small_demo_file, tmp_path / "demo.sqlite3") as target:
        yield target


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """An aiosqlite connection still open at the end (a test that did not close its database) keeps a worker
    thread that is not a daemon, and the interpreter would wait for it forever after the summary: stop them."""
    import gc

    import aiosqlite

    gc.unfreeze()  # (an app's warm-up freezes what lives: frozen objects are not in gc.get_objects)
    for obj in gc.get_objects():
        if isinstance(obj, aiosqlite.Connection) and obj._thread.is_alive():
            obj.stop()
