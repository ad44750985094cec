"""Start-up in a real terminal: process start to the first usable screen, Renkou against a hello-world app.

    python -m bench.startup_probe                      # a demo database made for the run (login screen)
    python -m bench.startup_probe --db PATH --runs 5   # a copy of PATH (never the file itself)

Each run spawns a process in a pseudo-terminal of 80×24 (``TERM=xterm-256color``) and reads what it writes:

* ``first paint`` — until its first screen shows (the hello app's label, Renkou's login title "登录", or the
  hint of the browse screen on a database without accounts);
* ``usable`` — then a key is typed (``Q``) and the time is taken when the focused input shows it: the app
  answers keys (nothing heavy still blocks its event loop).

The baseline is a hello-world Textual app with one label and one focused ``Input`` (:mod:`bench.hello_app`), in
the same terminal, in the same run, alternating with Renkou. Best of ``--runs`` (default 3) each; the ratio is
Renkou / hello (target ≤ 1.5×).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, Figure, Report

SIZE = (80, 24)
TIMEOUT = 30.0
HELLO_MARK = "你好世界".encode()
#: what Renkou's first screen shows: the login title, or the hint of the household detail
RENKOU_MARKS = ("登录".encode(), "打开户".encode())
KEY = b"Q"


@dataclass
class Start:
    """One start: seconds from spawning the process to its first screen and to echoing a typed key."""

    painted: float
    usable: float


def _spawn(argv: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """`argv` on the slave side of a new 80×24 pseudo-terminal (its controlling terminal); returns the master."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))

    def controlling_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, start_new_session=True,
                            preexec_fn=controlling_terminal, close_fds=True)  # fmt: skip
    os.close(slave)
    return proc, master


def _read_until(master: int, seen: bytearray, marks: tuple[bytes, ...], start: int, deadline: float) -> int:
    """Read the terminal output into `seen` until one of `marks` appears at or after `start`; returns the index
    after it."""
    while True:
        for mark in marks:
            found = seen.find(mark, start)
            if found >= 0:
                return found + len(mark)
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"not seen within {TIMEOUT:g} s: {bytes(seen[-400:])!r}")
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                chunk = b""
            if not chunk:
                raise RuntimeError(f"the program ended before its screen showed: {bytes(seen[-800:])!r}")
            seen += chunk


def _stop(proc: subprocess.Popen[bytes], master: int) -> None:
    """Ctrl+Q, then SIGTERM, then SIGKILL: the process started here ends (its output drained meanwhile)."""
    try:
        for action in (lambda: os.write(master, b"\x11"), lambda: proc.send_signal(signal.SIGTERM), proc.kill):
            action()
            end = time.perf_counter() + 3
            while proc.poll() is None and time.perf_counter() < end:
                if select.select([master], [], [], 0.05)[0]:
                    try:
                        os.read(master, 65536)
                    except OSError:
                        break
            if proc.poll() is not None:
                return
    finally:
        proc.wait()
        os.close(master)


def measure(argv: list[str], marks: tuple[bytes, ...], env: dict[str, str]) -> Start:
    """One start of `argv` in the pseudo-terminal: first screen, then a typed key echoed."""
    started = time.perf_counter()
    proc, master = _spawn(argv, env)
    seen = bytearray()
    deadline = started + TIMEOUT
    try:
        after = _read_until(master, seen, marks, 0, deadline)
        painted = time.perf_counter() - started
        os.write(master, KEY)
        _read_until(master, seen, (KEY,), after, deadline)
        usable = time.perf_counter() - started
    finally:
        _stop(proc, master)
    return Start(painted, usable)


def terminal_env() -> dict[str, str]:
    """The environment of both programs: a UTF-8 256-colour terminal (no NO_COLOR, no --ascii)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "NO_COLOR", "RENKOU_"))}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8", COLUMNS="80", LINES="24")
    env.pop("COLORTERM", None)
    return env


def demo_database(folder: Path) -> Path:
    """A small demo database (its login is demo / demo, as every demo's)."""
    path = folder / "demo.sqlite3"
    subprocess.run([sys.executable, "-m", "tui.cli", "demo", "--persons", "2000", "--db", str(path)], cwd=ROOT,
                   check=True, capture_output=True)  # fmt: skip
    return path


def run(database: Path | None, runs: int, report: Report) -> tuple[Start, Start]:
    """Alternate hello and Renkou `runs` times; report the best of each and the ratios."""
    env = terminal_env()
    with tempfile.TemporaryDirectory(prefix="renkou-start-") as folder:
        if database is None:
            target = demo_database(Path(folder))
        else:  # a private copy: the app opens its database for writing
            target = Path(folder) / "copy.sqlite3"
            shutil.copyfile(database, target)
        env["XDG_DATA_HOME"] = env["XDG_CONFIG_HOME"] = folder  # crash log, drafts, keymap: not the user's
        hello_argv = [sys.executable, "-m", "bench.hello_app"]
        renkou_argv = [sys.executable, "-m", "tui.cli", "--db", str(target)]
        hellos: list[Start] = []
        renkous: list[Start] = []
        for _ in range(runs):
            hellos.append(measure(hello_argv, (HELLO_MARK,), env))
            renkous.append(measure(renkou_argv, RENKOU_MARKS, env))
    best_hello = Start(min(s.painted for s in hellos), min(s.usable for s in hellos))
    best = Start(min(s.painted for s in renkous), min(s.usable for s in renkous))
    base = f"hello-world Textual app with one Input, best of {runs}"
    report.add(Figure("startup_first_paint", best.painted, "s", best_hello.painted, base, "≤ 1.5×"))
    report.add(Figure("startup_usable", best.usable, "s", best_hello.usable, base, "≤ 1.5×"))
    return best_hello, best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=None, help="a Renkou SQLite database (copied first)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures as JSON")
    args = parser.parse_args(argv)
    report = Report("startup")
    run(args.db, args.runs, report)
    print(f"results: {report.write(args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
