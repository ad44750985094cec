"""Files with personal data are private whatever the umask (issue 10.6): real ``renkou`` processes started with
umask 022 create the database (and its -wal/-shm), backups, exports, reject files and the crash log 0600 in
folders they create 0700; the TUI writes drafts the same way when used as a library (no ``main``, umask 022);
and a password given on the command line in a PostgreSQL URL is written nowhere (crash log, messages, files).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import db, drafts
from store.private import append_private, create_private, open_private, private_dir
from store.redact import MASK, redact, redact_argv
from tests.support.apps import make_app
from tests.support.data import CODE, EXAMPLE_FILE
from tests.support.pilot import settle
from tui.screens.person_form import PersonForm

REPO = Path(__file__).resolve().parents[1]
SECRET = "Sup3rGeheim-Pw"
PG_URL = f"postgres://clerk:{SECRET}@127.0.0.1:1/renkou"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def created_under(root: Path) -> Iterator[Path]:
    """Every file and folder below `root` (not `root` itself)."""
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            yield Path(folder) / name


def assert_private(root: Path, *, skip: tuple[Path, ...] = ()) -> list[Path]:
    """Every file below `root` is 0600 and every folder 0700 (except `skip` and what is below them)."""
    checked = []
    for path in created_under(root):
        if any(path == s or s in path.parents for s in skip):
            continue
        wanted = 0o700 if path.is_dir() else 0o600
        assert mode(path) == wanted, f"{path} is {oct(mode(path))}, expected {oct(wanted)}"
        checked.append(path)
    return checked


def renkou(args: list[str], env: dict[str, str], *, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m tui.cli ARGS` (or `python -c CODE`) in a real process started with umask 022."""
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "tui.cli", *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
                          preexec_fn=lambda: os.umask(0o022))  # fmt: skip


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environment whose data folder (crash log, drafts) is under the test's folder; the folder itself is
    made by the test with the usual 0755 so only what renkou creates is judged."""
    (tmp_path / "xdg").mkdir(mode=0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENKOU_")}
    env.update(XDG_DATA_HOME=str(tmp_path / "xdg"), PYTHONPATH=str(REPO), LANG="C.UTF-8")
    return env


# --- the helpers -----------------------------------------------------------------------------------------


def test_private_helpers_ignore_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        folder = private_dir(tmp_path / "a" / "b")
        create_private(folder / "db")
        with open_private(folder / "x.txt") as handle:
            handle.write("x")
        append_private(tmp_path / "c" / "log", "line\n")
        append_private(tmp_path / "c" / "log", "line\n")
    finally:
        os.umask(old)
    assert assert_private(tmp_path) and (tmp_path / "c" / "log").read_text() == "line\nline\n"
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    private_dir(existing)
    assert mode(existing) == 0o755  # a folder the clerk chose is left as it is


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (f"renkou --db {PG_URL} check", f"renkou --db postgres://clerk:{MASK}@127.0.0.1:1/renkou check"),
        ("postgresql://u:p@ss/w@h:5/d", f"postgresql://u:{MASK}@h:5/d"),
        ("'postgres://u:pw@h/db'", f"'postgres://u:{MASK}@h/db'"),
        ("postgres://postgres@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/test"),
        ("host=x password=sec dbname=y", f"host=x password={MASK} dbname=y"),
        ("PGPASSWORD=abc renkou", f"PGPASSWORD={MASK} renkou"),
        ("时间 12:30，户 430426101201010012", "时间 12:30，户 430426101201010012"),
    ],
)
def test_redact(raw: str, shown: str) -> None:
    assert redact(raw) == shown
    assert redact(redact(raw)) == shown


def test_redact_argv_hides_the_password() -> None:
    assert SECRET not in redact_argv(["renkou", "--db", PG_URL, "check"])


# --- real processes --------------------------------------------------------------------------------------


def test_cli_files_are_private_under_umask_022(tmp_path: Path, home: dict[str, str]) -> None:
    data = tmp_path / "data"  # made by renkou
    database = data / "demo.sqlite3"
    done = renkou(["demo", "--persons", "150", "--db", str(database)], home)
    assert done.returncode == 0, done.stderr
    live = sqlite3.connect(database)  # keeps -wal and -shm in place while we look
    try:
        live.execute("SELECT count(*) FROM person").fetchone()
        for suffix in ("-wal", "-shm"):
            side = Path(f"{database}{suffix}")
            assert side.exists() and mode(side) == 0o600, side
        done = renkou(["backup", "--db", str(database)], home)
        assert done.returncode == 0, done.stderr
        exports = tmp_path / "exports"
        exports.mkdir(mode=0o755)
        done = renkou(["export", "monthly", "--db", str(database), "--month", "2026-10",
                       "--out", str(exports / "月报表.xlsx")], home)  # fmt: skip
        assert done.returncode == 0, done.stderr
        done = renkou(["export", "households", "--db", str(database), "--out", str(exports / "户.jsonl")], home)
        assert done.returncode == 0, done.stderr
    finally:
        live.close()
    assert mode(exports / "月报表.xlsx") == 0o600 and mode(exports / "户.jsonl") == 0o600

    source = tmp_path / "in"
    source.mkdir(mode=0o755)
    lines = EXAMPLE_FILE.read_text(encoding="utf-8").splitlines()
    (source / "户.jsonl").write_text("\n".join([*lines, '{"household": 1}']) + "\n", encoding="utf-8")
    os.chmod(source / "户.jsonl", 0o644)
    rejects = source / "退回.jsonl"
    done = renkou(["import", str(source / "户.jsonl"), "--partial", "--reject", str(rejects),
                   "--db", str(tmp_path / "imported" / "renkou.sqlite3")], home)  # fmt: skip
    assert "有 1 行未导入" in done.stderr, done.stderr  # exit status 1: not everything was imported
    assert rejects.read_text(encoding="utf-8").strip() == '{"household": 1}'
    assert mode(rejects) == 0o600

    checked = assert_private(data) + assert_private(tmp_path / "imported")
    assert database in checked and any(p.parent.name == "backups" for p in checked)
    assert mode(data) == 0o700 and mode(data / "backups") == 0o700


def test_crash_log_is_private_and_never_holds_the_password(tmp_path: Path, home: dict[str, str]) -> None:
    """A forced internal error in a real process whose command line carries a PostgreSQL password."""
    code = (
        "import sys, tui.cli\n"
        "async def boom(args):\n"
        "    raise RuntimeError(f'boom while talking to {args.db}')\n"
        "tui.cli.COMMANDS['check'] = boom\n"
        "sys.argv = ['renkou', *sys.argv[1:]]\n"
        "sys.exit(tui.cli.main(sys.argv[1:]))\n"
    )
    done = renkou(["check", "--db", PG_URL], home, code=code)
    assert done.returncode == 1
    assert "内部错误" in done.stderr and "Traceback" not in done.stderr
    log = tmp_path / "xdg" / "renkou" / "crash.log"
    text = log.read_text(encoding="utf-8")
    assert "RuntimeError" in text and f"clerk:{MASK}@127.0.0.1" in text
    assert mode(log) == 0o600 and mode(log.parent) == 0o700
    done = renkou(["check", "--db", PG_URL], home)  # the real command: the server cannot be reached
    assert done.returncode != 0
    for output in (done.stdout, done.stderr):
        assert SECRET not in output
    assert not [p for p in created_under(tmp_path) if p.is_file() and SECRET.encode() in p.read_bytes()]


TUI_CRASH = """
import sys
from tui.screens import browse
def broken(self):
    raise RuntimeError("forced crash {url}")
    yield
browse.BrowseScreen.compose = broken
import tui.cli
sys.argv = ["renkou", "--db", sys.argv[1], "--user", "{url}"]
sys.exit(tui.cli.main(sys.argv[1:-2]))
"""


@pytest.mark.skipif(shutil.which("tmux") is None, reason="the TUI crash test needs tmux")
def test_tui_crash_shows_one_chinese_line(tmp_path: Path, home: dict[str, str]) -> None:
    """The TUI's crash path in a real terminal: a log entry (0600, password redacted), one Chinese line, exit 1."""
    database = tmp_path / "data" / "demo.sqlite3"
    assert renkou(["demo", "--persons", "100", "--db", str(database), "--no-audit"], home).returncode == 0
    script = tmp_path / "crash.py"
    script.write_text(TUI_CRASH.replace("{url}", PG_URL), encoding="utf-8")
    socket = f"renkou-modes-{os.getpid()}"
    env = {**home, "TERM": "xterm-256color"}
    command = (f"umask 022; {shlex.quote(sys.executable)} {shlex.quote(str(script))} {shlex.quote(str(database))}; "
               "echo renkou-exit=$?; sleep 30")  # fmt: skip
    tmux = ["tmux", "-u", "-L", socket, "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-s", "c", "-x", "80", "-y", "24", "-c", str(REPO), command],
                   env=env, check=True, timeout=30)  # fmt: skip
    try:
        screen, logged_in = "", False
        deadline = time.monotonic() + 60
        while "renkou-exit=" not in screen and time.monotonic() < deadline:
            time.sleep(0.2)
            screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", "c"], env=env, capture_output=True,
                                    text=True, timeout=30).stdout  # fmt: skip
            if not logged_in and "登录" in screen:  # the demo database asks its login (demo / demo)
                for keys in (["demo", "Enter"], ["demo", "Enter"]):
                    subprocess.run([*tmux, "send-keys", "-t", "c", *keys], env=env, check=True, timeout=30)
                    time.sleep(0.5)
                logged_in = True
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, capture_output=True, timeout=30)
    assert "renkou-exit=1" in screen, screen
    assert "程序内部错误" in screen and "Traceback" not in screen and SECRET not in screen, screen
    log = tmp_path / "xdg" / "renkou" / "crash.log"
    assert "forced crash" in log.read_text(encoding="utf-8")
    assert SECRET not in log.read_text(encoding="utf-8")
    assert mode(log) == 0o600 and mode(log.parent) == 0o700


# --- the TUI as a library: drafts ------------------------------------------------------------------------


async def test_tui_draft_is_private_without_main(example_db: db.DbTarget, private_data: Path) -> None:
    """No `main`, umask 022: the draft the person form writes while typing is 0600 in 0700 folders."""
    old = os.umask(0o022)
    try:
        app = make_app(example_db, "demo")
        async with app.run_test(size=(80, 24)) as pilot:
            form = PersonForm(CODE, "h12-1")
            app.push_screen(form)
            await settle(pilot, lambda: form.ready)
            await pilot.press("enter", *"王小", "enter")  # to the name, type over it
            key = await drafts.key_for("demo", CODE)
            await settle(pilot, lambda: drafts.load(key, base=private_data / "renkou") is not None)
            app.exit()
    finally:
        os.umask(old)
    folder = drafts.draft_dir(private_data / "renkou")
    assert list(folder.glob("*.json"))
    assert_private(private_data)
