"""A full disk for real (a small tmpfs filled until writes fail) on every path — import, a save through the
service, the monthly export, ``backup --dir``, the TUI's F2 — and the command line's argument checks and
restore wiring (issue 11, points 1, 3 and 4). A full disk is told as such (how much room to make, nothing
lost), never as damage; the database is unchanged and no temporary file is left."""

from __future__ import annotations

import asyncio
import copy
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import backup, db, faults, identity
from store.errors import StoreError
from store.records import load_households
from tests.support.data import CODE, EXAMPLE_FILE, import_example
from tui.cli import main

ROOT = Path(__file__).resolve().parents[1]
DISK_SIZE = "4m"
CHUNK = 64 * 1024


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_disk_full(message: str) -> None:
    """The one wording of a full disk: says so, how much room, nothing lost; never damage or restore."""
    assert "磁盘已满" in message and "腾出" in message and "MB" in message, message
    assert "没有丢失" in message or "没有改动" in message, message
    for wrong in ("损坏", "从备份恢复", "改名", "内部错误", "Traceback", "OperationalError", "Errno"):
        assert wrong not in message, message


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs of its own (needs root; skipped where mounting is not permitted)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(folder)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    if result.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {result.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill `disk` until a write fails, then give back `leave` bytes; returns the filler file."""
    filler = disk / "filler.bin"
    block = b"\0" * CHUNK
    with filler.open("ab", buffering=0) as handle:  # unbuffered: nothing left to flush (and fail) on close
        while True:
            try:
                handle.write(block)
                handle.flush()
            except OSError:
                break
    with filler.open("r+b") as handle:
        handle.truncate(max(0, filler.stat().st_size - leave))
    return filler


def integrity(path: Path) -> tuple[str, int, int]:
    """The integrity check, persons and audit-log rows of an SQLite file."""
    with sqlite3.connect(path) as conn:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        people = conn.execute("SELECT count(*) FROM person").fetchone()[0]
        logged = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    return check, people, logged


def left_over(disk: Path, *keep: str) -> list[str]:
    """Files on the disk other than the database, its WAL/SHM, the filler and `keep`."""
    allowed = {"filler.bin", *keep}
    return sorted(p.name for p in disk.rglob("*") if p.is_file() and p.name not in allowed
                  and not p.name.startswith(("renkou.sqlite3", "demo.sqlite3")))  # fmt: skip


def scratch_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("renkou-xlsx-*")}


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small demo township (300 persons) and its household file, built once."""
    from store.demo_build import build_demo
    from store.exporter import export_households

    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.sqlite3"

    async def build() -> None:
        await build_demo(db.resolve(path), persons=300, seed=5)
        async with db.database(path, create=False):
            await export_households(folder / "demo.jsonl", operator="test")

    asyncio.run(build())
    return path, folder / "demo.jsonl"


def holder(path: Path) -> sqlite3.Connection:
    """Another session with the database open (as a running TUI): its shared-memory file exists."""
    conn = sqlite3.connect(path)
    conn.execute("SELECT count(*) FROM person").fetchone()
    return conn


# --- the full disk, path by path ----------------------------------------------------------------------


def test_import_on_a_full_disk(small_disk: Path, demo_files: tuple[Path, Path], private_data: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    database = small_disk / "renkou.sqlite3"

    async def create() -> None:
        async with db.database(database):
            pass

    asyncio.run(create())
    before = integrity(database)
    filler = fill(small_disk, leave=96 * 1024)
    code, _, err = run(capsys, "import", str(demo_files[1]), "--db", str(database))
    assert code == 1
    assert_disk_full(err)
    assert "导入" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(faults.DiskFullError, match="导入已全部撤销"):  # the store's own API says so too
        asyncio.run(import_into(database, demo_files[1]))
    filler.unlink()
    assert integrity(database) == before == ("ok", 0, before[2])
    assert left_over(small_disk) == []


async def import_into(database: Path, source: Path) -> None:
    from store.importer import import_file

    async with db.database(database, create=False):
        await import_file(source, operator="clerk")


async def test_save_through_the_service_on_a_full_disk(small_disk: Path, private_data: Path) -> None:
    from store.service import save_household

    database = small_disk / "renkou.sqlite3"
    await import_example(database)
    async with db.database(database, create=False):
        record = copy.deepcopy((await load_households([CODE]))[CODE])
        record["members"][0]["occupation"] = "木匠" * 8
        record["household"]["address"] = "城关镇东风村一组十二号" * 3
        filler = fill(small_disk)
        with pytest.raises(faults.DiskFullError) as caught:
            await save_household(record, operator="clerk")
        assert_disk_full(str(caught.value))
        assert "录入都还在" in str(caught.value)
        filler.unlink()
        stored = (await load_households([CODE]))[CODE]
        assert stored["members"][0].get("occupation") != record["members"][0]["occupation"]
        saved = await save_household(record, operator="clerk")  # with room again it goes through
        assert saved["members"][0]["occupation"] == record["members"][0]["occupation"]
    assert integrity(database)[0] == "ok"
    assert left_over(small_disk) == []


def test_monthly_export_on_a_full_disk(small_disk: Path, demo_files: tuple[Path, Path], private_data: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    database = small_disk / "demo.sqlite3"
    shutil.copy(demo_files[0], database)
    other = holder(database)
    try:
        before = integrity(database)
        scratch = scratch_folders()
        filler = fill(small_disk)
        out = small_disk / "月报.xlsx"
        argv = ["export", "monthly", "--month", "2026-10", "--out", str(out), "--db", str(database)]
        result = subprocess.run([sys.executable, "-m", "tui.cli", *argv], cwd=ROOT, capture_output=True, text=True,
                                env={**os.environ, "XDG_DATA_HOME": str(private_data)}, check=False)  # fmt: skip
        assert result.returncode == 1
        assert_disk_full(result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # no "Exception ignored" traceback
        assert not out.exists()
        filler.unlink()
        assert integrity(database) == before
        assert left_over(small_disk) == []
        assert scratch_folders() == scratch  # the workbook's scratch folder is gone too
    finally:
        other.close()


def test_backup_to_a_full_disk(small_disk: Path, demo_files: tuple[Path, Path], private_data: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    database = small_disk / "demo.sqlite3"
    shutil.copy(demo_files[0], database)
    other = holder(database)
    try:
        before = integrity(database)
        filler = fill(small_disk, leave=128 * 1024)
        code, _, err = run(capsys, "backup", "--db", str(database), "--dir", str(small_disk / "bk"))
        assert code == 1
        assert_disk_full(err)
        assert "备份" in err
        filler.unlink()
        assert integrity(database)[:2] == before[:2]
        assert left_over(small_disk) == []  # no .part, .part-journal
    finally:
        other.close()


@pytest.mark.parametrize("command", [("log",), ("check",), ("restore", "{backup}", "--yes")])
def test_every_command_on_a_disk_with_no_room_at_all(small_disk: Path, demo_files: tuple[Path, Path],
                                                     private_data: Path, capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path, command: tuple[str, ...]) -> None:  # fmt: skip
    """0 bytes free and nobody has the database open: SQLite cannot even make its shared-memory file. The
    command says the disk is full — never that the database is damaged, never to rename it."""
    made = backup.create_backup(demo_files[0], tmp_path / "bk")
    database = small_disk / "demo.sqlite3"
    shutil.copy(demo_files[0], database)  # nobody opened it here yet: no -shm file
    before = integrity(demo_files[0])
    filler = fill(small_disk)
    argv = [part.replace("{backup}", str(made.path)) for part in command]
    code, _, err = run(capsys, *argv, "--db", str(database))
    assert code == 1
    assert_disk_full(err)
    filler.unlink()
    assert integrity(database) == before


async def test_tui_save_on_a_full_disk_keeps_the_form_and_its_draft(small_disk: Path, private_data: Path) -> None:
    from store import drafts
    from tests.support.apps import make_app
    from tests.support.pilot import field, settle
    from tui.screens.person_form import PersonForm

    database = small_disk / "renkou.sqlite3"
    await import_example(database)
    async with db.database(database, create=False) as target:
        app = make_app(target, "demo")
        async with app.run_test(size=(80, 24)) as pilot:
            form = PersonForm(CODE, "h12-1")
            app.push_screen(form)
            await settle(pilot, lambda: form.ready and form.findings is not None)
            field(form, "occupation").focus()
            await pilot.press(*"木匠", "enter")
            filler = fill(small_disk)
            await pilot.press("f2")
            await settle(pilot, lambda: not form.saving and any("磁盘" in n for n in app.notices))
            notice = next(n for n in app.notices if "磁盘" in n)
            assert_disk_full(notice)
            assert app.screen is form and form.dirty
            assert form.person["occupation"] == "木匠" and field(form, "occupation").value == "木匠"
            draft = drafts.load(await drafts.key_for("demo", CODE))
            assert draft is not None and draft.payload["record"]["members"][0]["occupation"] == "木匠"
            filler.unlink()
        stored = (await load_households([CODE]))[CODE]
        assert stored["members"][0].get("occupation") != "木匠"
    assert integrity(database)[0] == "ok"


# --- the translation itself ---------------------------------------------------------------------------


def test_translate_recognises_every_form_of_a_full_disk(tmp_path: Path) -> None:
    import errno

    from tortoise.exceptions import OperationalError

    from store.errors import ConflictError

    class PgError(Exception):
        def __init__(self, state: str) -> None:
            super().__init__("server says so")
            self.sqlstate = state

    enospc = OSError(errno.ENOSPC, "No space left on device")
    assert isinstance(faults.translate(enospc), faults.DiskFullError)
    wrapped = OperationalError(sqlite3.OperationalError("database or disk is full"))  # as Tortoise wraps it
    assert isinstance(faults.translate(wrapped), faults.DiskFullError)
    pg_full = faults.translate(PgError(faults.PG_DISK_FULL))
    assert isinstance(pg_full, faults.DiskFullError) and "服务器" in str(pg_full)
    assert isinstance(faults.translate(PgError(faults.PG_UNIQUE_VIOLATION)), ConflictError)
    assert faults.is_retryable(PgError(faults.PG_DEADLOCK)) and faults.is_retryable(PgError("40001"))
    # an I/O error is a full disk only where the disk has (almost) no room
    assert faults.translate(sqlite3.OperationalError("disk I/O error"), path=tmp_path / "x.sqlite3") is None
    assert faults.translate(ValueError("no")) is None


# --- command-line arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["log", "--limit", "99999999999999999999"],
        ["log", "--limit", "-3"],
        ["log", "--limit", "0"],
        ["log", "--limit", "²"],
        ["log", "--limit", "十"],
        ["demo", "--persons", "0"],
        ["demo", "--persons", "1" + "0" * 30],
        ["demo", "--seed", "x"],
        ["settings", "idle-lock", "61"],
        ["export", "monthly", "--month", "2026-10", "--out", "/dev/null"],
        ["export", "households", "--out", "{tmp}"],
        ["export", "errors", "--out", "{tmp}"],
        ["import", "{tmp}"],
        ["import", "/dev/zero"],
        ["import", "{example}", "--reject", "/dev/null"],
        ["backup", "--dir", "{example}"],
        ["restore", "{tmp}", "--yes"],
        ["log", "--nonsense"],
    ],
)
def test_bad_arguments_get_a_chinese_usage_error(argv: list[str], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{example}", str(EXAMPLE_FILE)) for a in argv]
    with pytest.raises(SystemExit) as caught:
        main([*argv, "--db", str(tmp_path / "none.sqlite3")])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1].replace(str(tmp_path), "")
    assert last.startswith("renkou: 参数错误："), err
    assert "Traceback" not in err and "argument" not in last and "invalid" not in last and "required" not in last
    assert not (tmp_path / "none.sqlite3").exists()


# --- restore and backup wiring ------------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path, private_data: Path) -> Path:
    path = tmp_path / "live" / "renkou.sqlite3"
    path.parent.mkdir()
    asyncio.run(import_example(path))
    return path


def test_backup_list_shows_the_database_id(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "backup", "--db", str(live))
    assert code == 0, err
    with sqlite3.connect(live) as conn:
        stored = identity.read_database_id(conn)
    assert stored is not None  # stored by cmd_backup while the database was open
    code, out, _ = run(capsys, "backup", "--list", "--db", str(live))
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines() if "\t" in line]
    assert rows[0][:2] == ["时间", "数据库"] and rows[1][1] == identity.short(stored)


def test_restore_passes_the_pre_restore_backup_and_a_refusal_leaves_no_file(
    live: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = backup.create_backup(live, live.parent / "elsewhere")
    code, _, err = run(capsys, "restore", str(made.path), "--db", str(live))  # not a terminal, no --yes
    assert code == 1 and "--yes" in err
    assert backup.list_backups(live.parent / "backups") == []  # asked before backing up: nothing left
    seen: dict[str, object] = {}

    def failing(database: Path, source: Path, progress: object = None, *, saved: Path | None = None) -> None:
        seen["saved"] = saved
        raise StoreError(f"恢复失败（测试），当前数据库已与恢复前不同。恢复前的数据已备份在 {saved}。")

    monkeypatch.setattr(backup, "restore_into", failing)
    code, _, err = run(capsys, "restore", str(made.path), "--db", str(live), "--yes")
    before = [b for b in backup.list_backups(live.parent / "backups") if b.label == "before-restore"]
    assert code == 1 and len(before) == 1
    assert seen["saved"] == before[0].path and str(before[0].path) in err


def test_upgrade_failure_after_restore_is_told_truthfully(
    live: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from store import schema

    made = backup.create_backup(live, live.parent / "elsewhere")
    real = schema.ensure_schema
    calls = {"n": 0}

    async def ensure(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] > 1:  # the open after restore_into
            raise sqlite3.OperationalError("upgrade broke")
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(schema, "ensure_schema", ensure)
    code, out, err = run(capsys, "restore", str(made.path), "--db", str(live), "--yes")
    assert code == 1
    saved = next(b for b in backup.list_backups(live.parent / "backups") if b.label == "before-restore").path
    assert "已从" in err and "升级数据库失败" in err and str(saved) in err
    assert "未改动" not in err and "已撤销" not in err
    assert integrity(live)[0] == "ok" and "已从" not in out


def test_faults_knows_the_database_in_use(live: Path) -> None:
    async def open_it() -> Path | None:
        async with db.database(live, create=False):
            return faults.database_path

    assert asyncio.run(open_it()) == live.resolve()
    assert faults.needed_bytes(live) >= faults.MIN_NEED_BYTES
    assert os.path.getsize(live) > 0
