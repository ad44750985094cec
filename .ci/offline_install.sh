#!/usr/bin/env bash
# Proves the README's "Offline install (air-gapped PC)": build wheelhouse/, install renkou from it into a fresh
# venv with every package index out of reach, then in that venv build a small demo database, audit it, and
# start the app in an 80×24 pseudo-terminal and quit it with Ctrl+Q. Every step is time-bound.
#
#   .ci/offline_install.sh                 target venvs of python3 (or $PYTHON) and of Python 3.10 if found
#   OFFLINE_PYTHONS="python3 /x/python3.10" .ci/offline_install.sh    one target venv per interpreter
#   OFFLINE_REUSE_WHEELHOUSE=1             do not rebuild an existing wheelhouse/
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
PYTHON=${PYTHON:-python3}
if [ -z "${OFFLINE_PYTHONS:-}" ]; then
    # python3, and also the oldest supported Python when installed: its wheels differ (exceptiongroup, tomlkit
    # and async-timeout are needed only before 3.11), which proves the wheelhouse serves more than its builder.
    # shellcheck source=.ci/pythons.sh
    source .ci/pythons.sh
    OFFLINE_PYTHONS=$PYTHON
    oldest=$(find_python 10)
    if [ -n "$oldest" ] && ! "$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
        OFFLINE_PYTHONS="$PYTHON $oldest"
    fi
fi
started=$SECONDS

say() { printf 'offline-install: %s\n' "$*"; }
fail() {
    printf 'offline-install: FAILED: %s\n' "$*" >&2
    exit 1
}
# step SECONDS DESCRIPTION COMMAND...: run with a time limit, fail with the description.
step() {
    local limit=$1 what=$2 rc=0
    shift 2
    local t0=$SECONDS
    timeout -k 10 "$limit" "$@" || rc=$?
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        fail "$what: no result within ${limit}s"
    elif [ "$rc" != 0 ]; then
        fail "$what: exit code $rc"
    fi
    say "$what: ok ($((SECONDS - t0))s)"
}

# 1. The wheelhouse (needs the package index, like `make wheelhouse` on a machine with network).
if [ "${OFFLINE_REUSE_WHEELHOUSE:-}" = 1 ] && ls wheelhouse/renkou-*.whl >/dev/null 2>&1; then
    say "reusing wheelhouse/"
else
    step 900 "make wheelhouse" make --no-print-directory wheelhouse
fi
compiled=$(cd wheelhouse && ls -- *.whl | grep -v -- '-none-any\.whl$' || true)
[ -z "$compiled" ] || fail "wheelhouse/ holds compiled wheels (the runtime must stay pure Python): $compiled"

work=$(mktemp -d "${TMPDIR:-/tmp}/renkou-offline.XXXXXX")
tui_pid_file=$work/tui.pid
cleanup() {
    if [ -s "$tui_pid_file" ]; then kill -9 "$(cat "$tui_pid_file")" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# From here on pip must not reach any index: no config files, no inherited PIP_* settings (this machine's
# find-links or extra index would make the test pass for the wrong reason), no index, and an unroutable URL.
for var in $(env | sed -n 's/^\(PIP_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$var"; done
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_INDEX_URL=http://127.0.0.1:9/ PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_DEFAULT_TIMEOUT=5 PIP_RETRIES=0 PIP_NO_INPUT=1
unset PYTHONPATH VIRTUAL_ENV
export LANG=C.UTF-8 LC_ALL=C.UTF-8 RENKOU_IDLE_MINUTES=0

n=0
for target_python in $OFFLINE_PYTHONS; do
    n=$((n + 1))
    version=$("$target_python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])') \
        || fail "cannot run $target_python"
    venv=$work/venv$n
    db=$work/x$n.sqlite3
    say "target Python $version ($target_python)"
    step 120 "python -m venv" "$target_python" -m venv "$venv"
    step 300 "pip install --no-index --find-links wheelhouse renkou" \
        "$venv/bin/pip" install -q --no-index --find-links "$root/wheelhouse" renkou
    step 300 "compileall" "$venv/bin/python" -m compileall -q "$venv"
    # The plain install is SQLite only: the PostgreSQL driver comes from wheelhouse/postgres when asked for.
    if "$venv/bin/python" -c 'import asyncpg' 2>/dev/null; then fail "asyncpg was installed without the postgres extra"; fi
    # Run from elsewhere so that the repository's own packages cannot be imported instead of the installed ones.
    cd "$work"
    step 600 "renkou demo --persons 500" "$venv/bin/renkou" demo --db "$db" --persons 500
    step 300 "renkou check" "$venv/bin/renkou" check --db "$db"
    step 150 "TUI start at 80x24 and Ctrl+Q" "$venv/bin/python" - "$venv/bin/renkou" "$db" "$tui_pid_file" <<'PYEOF'
"""Start `renkou --db DB` in a pseudo-terminal of 80×24, wait for the first screen, press Ctrl+Q, expect exit."""

import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time

renkou, db, pid_file = sys.argv[1:4]
# The first screen (household tree): the header's demo marker, a footer key label, and a loaded tree node with
# its person count ("城关镇 490人"), looked for as UTF-8 bytes in the raw output.
MARKERS = ["演示数据", "查找"]
LOADED = re.compile("[村镇乡] ?[0-9]+人".encode())
START_LIMIT, QUIT_LIMIT = 90.0, 20.0

pid, fd = os.forkpty()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
    os.execve(renkou, [renkou, "--db", db], env)
with open(pid_file, "w") as f:
    f.write(str(pid))
output = bytearray()
status: int | None = None  # the child's wait status once reaped


def pump(seconds: float) -> bool:
    """Read output for up to `seconds`; True once the child's side of the terminal closed."""
    global status
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child is gone
                return True
            if not chunk:
                return True
            output.extend(chunk)
            # Textual asks for the cursor position / device attributes; answer like a terminal would.
            if b"\x1b[6n" in chunk:
                os.write(fd, b"\x1b[1;1R")
        else:
            done, wait_status = os.waitpid(pid, os.WNOHANG)
            if done:
                status = wait_status
                return True
    return False


def screen_text() -> str:
    text = re.sub(rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b[\]P_^][^\x07\x1b]*(\x07|\x1b\\)|\x1b.", b" ", bytes(output))
    text = text.decode("utf-8", "replace")
    return re.sub(r"[ \t]+", " ", text)[-1500:]


def give_up(message: str) -> None:
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    sys.exit(f"{message}\n--- last output of the app (escape sequences removed) ---\n{screen_text()}\n---")


deadline = time.monotonic() + START_LIMIT
logged_in = False
while not (all(m.encode() in output for m in MARKERS) and LOADED.search(output)):
    if not logged_in and "登录".encode() in output:  # the demo database asks its login: demo / demo
        pump(0.5)
        os.write(fd, b"demo\r")
        pump(0.5)
        os.write(fd, b"demo\r")
        logged_in = True
    if time.monotonic() > deadline:
        give_up(f"the first screen ({' '.join(MARKERS)} and a tree node with its count) did not appear within {START_LIMIT:.0f}s")
    if pump(0.5):
        give_up("the app ended before its first screen appeared")
started = START_LIMIT - (deadline - time.monotonic())
print(f"offline-install: first screen after {started:.1f}s", flush=True)
pump(1.0)  # let the screen settle
if os.environ.get("OFFLINE_SHOW_SCREEN"):
    print(screen_text(), flush=True)
os.write(fd, b"\x11")  # Ctrl+Q
ended = pump(QUIT_LIMIT / 2)
if not ended and re.search("确定|确认|是否", screen_text()[-400:]):  # a quit confirmation: answer it
    os.write(fd, b"y\r")
    ended = pump(QUIT_LIMIT / 2)
if not ended:
    give_up(f"the app did not end within {QUIT_LIMIT:.0f}s of Ctrl+Q")
if status is None:
    _, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.exit(f"the app ended with exit code {code} after Ctrl+Q\n{screen_text()}")
PYEOF
    : >"$tui_pid_file"
    # The optional PostgreSQL driver installs from wheelhouse/postgres, still without an index.
    step 300 "pip install 'renkou[postgres]' from wheelhouse/postgres" \
        "$venv/bin/pip" install -q --no-index --find-links "$root/wheelhouse" --find-links "$root/wheelhouse/postgres" \
        'renkou[postgres]'
    step 60 "import asyncpg" "$venv/bin/python" -c 'import asyncpg, store, tui; print("asyncpg", asyncpg.__version__)'
    cd "$root"
done
say "all steps passed in $((SECONDS - started))s"
