"""End to end over a real SSH connection (design §1, §3, §4): a private ``sshd`` on 127.0.0.1, the app run
through ``ssh -tt`` inside a private tmux server at 80×24, read with ``capture-pane`` and keyed with
``send-keys`` like a clerk in PuTTY.

The clerk finds a person by pinyin initials, changes the name, and the connection drops (the ssh client is
killed, sshd hangs up the remote terminal): the draft survives under ``XDG_DATA_HOME/renkou/drafts``, is
offered back after reconnecting, and F2 stores it with an audit-log entry. A non-UTF-8 locale is refused with
a message instead of a screen. On the monthly change entry a whole line typed in one ``send-keys`` (one read
on the far side) lands field by field, and F2 right after a date typed without Enter stores that date.

Needs ``sshd``, ``ssh``, ``ssh-keygen`` and ``tmux``; the module skips with the reason when one is missing,
and fails instead when ``RENKOU_REQUIRE_SSH=1`` (CI installs them).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REQUIRED = os.environ.get("RENKOU_REQUIRE_SSH") == "1"
TIMEOUT = 20.0
POLL = 0.1
NEW_GIVEN_NAME = "晓雯"


def _sshd_path() -> str | None:
    found = shutil.which("sshd")
    if found:
        return found
    return next((p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.access(p, os.X_OK)), None)


def _missing() -> list[str]:
    """What this machine lacks for the test (empty: it can run)."""
    out = [] if sys.platform.startswith("linux") else ["Linux (/proc)"]
    if _sshd_path() is None:
        out.append("sshd (openssh-server)")
    out += [tool for tool in ("ssh", "ssh-keygen", "tmux") if shutil.which(tool) is None]
    return out


MISSING = _missing()
if MISSING and not REQUIRED:
    pytest.skip(f"end-to-end SSH test needs {', '.join(MISSING)} (apt-get install openssh-server tmux)",
                allow_module_level=True)  # fmt: skip

pytestmark = pytest.mark.e2e


# --- helpers -----------------------------------------------------------------------------------------------


def wait_until(
    what: str, probe: Callable[[], object], timeout: float = TIMEOUT, detail: Callable[[], str] = str
) -> object:
    """Poll `probe` until it returns something truthy; fail with `what` and `detail()` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}\n{detail()}")
        time.sleep(POLL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=30, check=False, **kwargs)  # type: ignore[call-overload]


def app_pids(database: Path) -> list[int]:
    """Processes of the app on `database` (the remote side: ``python -m tui.cli --db <database>``)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args[1:3] == [b"-m", b"tui.cli"] and str(database).encode() in args:
            out.append(int(entry.name))
    return out


@dataclass
class Sshd:
    """A private sshd on 127.0.0.1 and the ssh command line that reaches it."""

    port: int
    key: Path
    log: Path

    def ssh(self, remote: str, *, tty: bool = True) -> list[str]:
        return ["ssh", "-F", "/dev/null", "-tt" if tty else "-T", "-p", str(self.port), "-i", str(self.key),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
                "127.0.0.1", remote]  # fmt: skip

    def log_tail(self) -> str:
        try:
            return "sshd log:\n" + "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
        except OSError:
            return "sshd log: (none)"


def _start_sshd(folder: Path, extra: str = "") -> tuple[subprocess.Popen[bytes], Sshd]:
    sshd = _sshd_path()
    assert sshd is not None
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
    (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
    if os.geteuid() == 0:  # a root sshd wants its privilege-separation directory
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    log = folder / "sshd.log"
    for _attempt in range(3):  # the free port may be taken between choosing it and sshd binding it
        port = _free_port()
        config = folder / "sshd_config"
        config.write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host_key'}\n"
            f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPidFile {folder / 'sshd.pid'}\n"
            "UsePAM no\nStrictModes no\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nX11Forwarding no\n"
            "PrintMotd no\nPrintLastLog no\nMaxStartups 20\n" + extra
        )
        handle = log.open("wb")
        process = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)], stdout=handle, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)  # fmt: skip
        handle.close()
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            if "Server listening" in log.read_text(errors="replace"):
                return process, Sshd(port, folder / "client_key", log)
            time.sleep(POLL)
        process.kill()
        process.wait()
    pytest.fail(f"sshd did not start\n{log.read_text(errors='replace')}")


class Tmux:
    """A private tmux server (its own socket, no configuration) holding 80×24 sessions."""

    _names = itertools.count(1)

    def __init__(self) -> None:
        self.socket = f"renkou-e2e-{os.getpid()}-{time.monotonic_ns()}"
        self.env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}

    def cmd(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _run(["tmux", "-u", "-L", self.socket, "-f", "/dev/null", *args], env=self.env)

    def new(self, command: str) -> Screen:
        name = f"s{next(self._names)}"
        done = self.cmd("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command)
        assert done.returncode == 0, done.stderr
        return Screen(self, name)

    def kill_server(self) -> None:
        self.cmd("kill-server")


@dataclass
class Screen:
    """One tmux session: what it shows and the keys typed into it."""

    tmux: Tmux
    name: str
    context: Callable[[], str] = str

    def text(self) -> str:
        done = self.tmux.cmd("capture-pane", "-p", "-t", self.name)
        return done.stdout if done.returncode == 0 else ""

    def wait_for(self, *texts: str, absent: tuple[str, ...] = (), timeout: float = TIMEOUT) -> str:
        """Poll the screen until it shows every one of `texts` and none of `absent`; returns it."""
        last = [""]

        def probe() -> str:
            last[0] = self.text()
            ok = all(t in last[0] for t in texts) and not any(t in last[0] for t in absent)
            return last[0] if ok else ""

        what = f"{texts!r}" + (f" without {absent!r}" if absent else "")
        return str(wait_until(what, probe, timeout, lambda: f"screen:\n{last[0]}\n{self.context()}"))

    def keys(self, *keys: str) -> None:
        done = self.tmux.cmd("send-keys", "-t", self.name, *keys)
        assert done.returncode == 0, done.stderr

    def type(self, text: str) -> None:
        done = self.tmux.cmd("send-keys", "-t", self.name, "-l", text)
        assert done.returncode == 0, done.stderr

    def pane_pid(self) -> int:
        return int(self.tmux.cmd("display-message", "-p", "-t", self.name, "#{pane_pid}").stdout.strip())


@dataclass(frozen=True)
class Person:
    """A person of the demo found by a unique pinyin-initials prefix."""

    key: str
    household: str
    name: str
    initials: str

    @property
    def new_name(self) -> str:
        return self.name[0] + NEW_GIVEN_NAME


def pick_people(database: Path, count: int) -> list[Person]:
    """Living adults whose initials no other person's initials start with (one search hit each)."""
    sql = """
        SELECT p.key, p.household_id, p.name, n.initials FROM name_key n JOIN person p ON p.id = n.person_id
        WHERE p.cancel_reason IS NULL AND p.death_date IS NULL AND p.birth_date < '1990-01-01'
          AND length(p.name) BETWEEN 2 AND 3 AND length(n.initials) >= 3
          AND NOT EXISTS (SELECT 1 FROM name_key o WHERE o.person_id <> n.person_id
                          AND substr(o.initials, 1, length(n.initials)) = n.initials)
        ORDER BY p.household_id, p.seq, n.initials"""
    with sqlite3.connect(database) as conn:
        rows = conn.execute(sql).fetchall()
    people: list[Person] = []
    for key, household, name, initials in rows:
        if any(p.household == household for p in people):
            continue
        if name[0] + NEW_GIVEN_NAME == name:
            continue
        people.append(Person(key, household, name, initials))
        if len(people) == count:
            return people
    pytest.fail(f"the demo database has fewer than {count} persons with unique initials")


# --- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """A private sshd for the module, stopped (with every session it opened) at the end."""
    if MISSING:
        pytest.fail(f"RENKOU_REQUIRE_SSH=1 but this machine lacks {', '.join(MISSING)}")
    process, server = _start_sshd(tmp_path_factory.mktemp("sshd"))
    try:
        probe = _run(server.ssh("echo renkou-ssh-ok", tty=False), stdin=subprocess.DEVNULL)
        if "renkou-ssh-ok" not in probe.stdout:
            message = f"cannot log in over ssh to the private sshd: {probe.stderr.strip()}\n{server.log_tail()}"
            if REQUIRED:
                pytest.fail(message)
            pytest.skip(message)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo township (about 600 persons, login demo / demo)."""
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    done = subprocess.run([sys.executable, "-m", "tui.cli", "demo", "--persons", "600", "--db", str(database)],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return database


@pytest.fixture
def tmux(sshd: Sshd, demo_db: Path) -> Iterator[Tmux]:
    """A private tmux server; at the end it is killed and no app process is left behind."""
    server = Tmux()
    try:
        yield server
    finally:
        server.kill_server()
        try:
            wait_until("the remote app to exit after the test", lambda: not app_pids(demo_db), timeout=10)
        finally:
            for pid in app_pids(demo_db):
                os.kill(pid, signal.SIGKILL)


def connect(tmux: Tmux, sshd: Sshd, database: Path, xdg: Path, *, env: str = "TERM=xterm-256color LANG=C.UTF-8",
            trailer: str = "") -> Screen:  # fmt: skip
    """Run the app over ssh in a new tmux session (``exec``: the pane's process is the ssh client)."""
    remote = (f"cd {shlex.quote(str(REPO))} && env -u PYTHONIOENCODING {env} XDG_DATA_HOME={shlex.quote(str(xdg))} "
              f"{shlex.quote(sys.executable)} -m tui.cli --db {shlex.quote(str(database))}{trailer}")  # fmt: skip
    command = shlex.join(sshd.ssh(remote))
    screen = tmux.new(f"exec {command}" if not trailer else f"{command}; sleep 60")
    screen.context = sshd.log_tail
    if not trailer:  # the demo database's account, as README says: demo / demo
        screen.wait_for("登录", "用户名 demo，密码 demo")
        screen.type("demo")
        screen.keys("Enter")
        screen.type("demo")
        screen.keys("Enter")
    return screen


def open_person(screen: Screen, person: Person) -> str:
    """From the household tree: / and the initials, Enter on the hit, Enter on the person; the form is ready."""
    screen.keys("/")
    screen.wait_for("查找：")
    screen.type(person.initials)
    screen.wait_for(person.name, "共 1 条")
    screen.keys("Enter")
    screen.wait_for(f"户 {person.household}", person.name, absent=("查找：",))  # cursor on the person, detail shown
    screen.keys("Enter")
    return screen.wait_for("人员信息", f"姓名 {person.name}", "已保存")


def drop(screen: Screen, database: Path) -> None:
    """The connection drops: the ssh client dies at once; sshd hangs up and the remote app must end."""
    os.kill(screen.pane_pid(), signal.SIGKILL)
    wait_until("the remote app to exit after the hang-up", lambda: not app_pids(database),
               detail=screen.context)  # fmt: skip


def draft_with(xdg: Path, person: Person) -> dict[str, object] | None:
    """The draft file of the person's household when it holds the new name (as store.drafts writes it)."""
    folder = xdg / "renkou" / "drafts"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        members = (body.get("payload") or {}).get("record", {}).get("members") or []
        if body.get("household") == person.household and any(
            m.get("key") == person.key and m.get("name") == person.new_name for m in members
        ):
            return body
    return None


def db_row(database: Path, sql: str, args: tuple[object, ...]) -> tuple[object, ...] | None:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql, args).fetchone()


def pick_by_name(database: Path, count: int, where: str) -> list[tuple[str, str]]:
    """(key, name) of living persons matching `where` whose name no other person's name starts with (the name
    typed in the search finds them first), each from another household, from the end of the demo (the other
    tests take theirs from the start)."""
    sql = f"""
        SELECT p.key, p.name, p.household_id FROM person p
        WHERE p.cancel_reason IS NULL AND p.death_date IS NULL AND length(p.name) BETWEEN 2 AND 3 AND {where}
          AND NOT EXISTS (SELECT 1 FROM person o WHERE o.id <> p.id AND substr(o.name, 1, length(p.name)) = p.name)
        ORDER BY p.id DESC"""
    with sqlite3.connect(database) as conn:
        rows = conn.execute(sql).fetchall()
    out: list[tuple[str, str]] = []
    households: set[object] = set()
    for key, name, household in rows:
        if household not in households:
            households.add(household)
            out.append((key, name))
        if len(out) == count:
            return out
    pytest.fail(f"the demo database has fewer than {count} persons with a unique name ({where})")


# --- tests -------------------------------------------------------------------------------------------------


def test_clerk_over_ssh_keeps_draft_across_dropped_connection(tmux: Tmux, sshd: Sshd, demo_db: Path,
                                                              tmp_path: Path) -> None:  # fmt: skip
    person = pick_people(demo_db, 2)[0]
    xdg = tmp_path / "xdg"
    saves_before = db_row(demo_db, "SELECT count(*) FROM audit_log WHERE action = 'save' AND target = ?",
                          (person.household,))  # fmt: skip

    screen = connect(tmux, sshd, demo_db, xdg)
    township = db_row(demo_db, "SELECT name FROM unit WHERE level = 'township' ORDER BY code", ())
    assert township is not None
    tree = screen.wait_for(f"▼ {township[0]} ", "F1帮助", "/查找", absent=("加载中",))  # villages loaded too
    assert re.search(rf"▼ {township[0]} \d+人", tree), tree  # the township with its head count
    assert len(re.findall(r"▶ \S+村 \d+人", tree)) >= 2, tree  # its villages, closed, with theirs

    open_person(screen, person)
    screen.type(person.new_name)  # the name is selected on focus: typing replaces it
    screen.wait_for(f"姓名 {person.new_name}", "未保存")
    wait_until("the draft with the typed name", lambda: draft_with(xdg, person), detail=screen.text)

    drop(screen, demo_db)
    body = draft_with(xdg, person)
    assert body is not None, "the draft was lost when the connection dropped"
    assert oct((xdg / "renkou" / "drafts").stat().st_mode & 0o777) == "0o700"
    stored = db_row(demo_db, "SELECT name FROM person WHERE key = ?", (person.key,))
    assert stored == (person.name,)  # nothing was saved behind the clerk's back

    screen = connect(tmux, sshd, demo_db, xdg)
    screen.wait_for("F1帮助")
    screen.keys("/")
    screen.wait_for("查找：")
    screen.type(person.initials)
    screen.wait_for(person.name, "共 1 条")
    screen.keys("Enter")
    screen.wait_for(f"户 {person.household}", absent=("查找：",))
    screen.keys("Enter")
    screen.wait_for("发现未保存的草稿", "恢复吗")
    screen.type("y")
    form = screen.wait_for("人员信息", f"姓名 {person.new_name}", "未保存", absent=("发现未保存的草稿",))
    assert person.name not in form.splitlines()[1]

    screen.keys("F2")
    text = screen.wait_for("已保存", absent=("未保存",), timeout=TIMEOUT)
    assert f"姓名 {person.new_name}" in text
    wait_until("the draft to be removed after saving", lambda: draft_with(xdg, person) is None)
    assert db_row(demo_db, "SELECT name FROM person WHERE key = ?", (person.key,)) == (person.new_name,)
    saves = db_row(demo_db, "SELECT count(*) FROM audit_log WHERE action = 'save' AND target = ?", (person.household,))
    assert saves is not None and saves_before is not None and saves[0] == saves_before[0] + 1

    screen.keys("Escape")  # back to the tree, then Esc asks to quit
    screen.wait_for("F1帮助", "/查找", absent=("人员信息",))
    screen.keys("Escape")
    screen.wait_for("退出 Renkou？")
    screen.type("y")
    wait_until("the app to quit on Esc, Y", lambda: not app_pids(demo_db), detail=screen.text)


def test_drop_right_after_typing_keeps_draft(tmux: Tmux, sshd: Sshd, demo_db: Path, tmp_path: Path) -> None:
    """The connection drops while the clerk is still typing (before the draft debounce): nothing is lost."""
    person = pick_people(demo_db, 2)[1]
    xdg = tmp_path / "xdg"
    screen = connect(tmux, sshd, demo_db, xdg)
    screen.wait_for("F1帮助")
    open_person(screen, person)
    screen.type(person.new_name)
    screen.wait_for(f"姓名 {person.new_name}", "未保存")
    drop(screen, demo_db)
    assert draft_with(xdg, person) is not None, "the typed name was lost when the connection dropped"


def test_non_utf8_terminal_is_refused_over_ssh(tmux: Tmux, sshd: Sshd, demo_db: Path, tmp_path: Path) -> None:
    """A C locale without Python's UTF-8 coercion (stand-in for a GBK terminal): a message, no screen."""
    env = "TERM=xterm LANG=C LC_ALL=C PYTHONCOERCECLOCALE=0 PYTHONUTF8=0"
    screen = connect(tmux, sshd, demo_db, tmp_path / "xdg", env=env, trailer="; echo renkou-exit=$?")
    text = screen.wait_for("renkou-exit=")
    assert "not UTF-8" in text and "LANG=zh_CN.UTF-8" in text
    assert "renkou-exit=1" in text
    assert "F1帮助" not in text and "人口信息" not in text


def test_change_lines_typed_in_one_read_over_ssh(tmux: Tmux, sshd: Sshd, demo_db: Path, tmp_path: Path) -> None:
    """Issue 9: ``7 <name> Enter <YYMMDD> Enter`` sent at once puts the date in the date field (not the search
    box) and the person picked; ``2 <name> Enter <YYMMDD> F2`` stores the date typed without Enter; a code
    typed by pinyin initials and followed at once by F2 stores the candidate shown."""
    ((widower_key, widower),) = pick_by_name(demo_db, 1, "p.sex = '1' AND p.marital_status IN ('20', '21', '22')")
    ((dead_key, dead),) = pick_by_name(demo_db, 1, f"p.birth_date < '1960-01-01' AND p.key <> '{widower_key}'")
    born = (date.today() - timedelta(days=40 * 365)).isoformat(), (date.today() - timedelta(days=22 * 365)).isoformat()
    ((woman_key, woman),) = pick_by_name(demo_db, 1, f"p.sex = '2' AND p.marital_status IN ('20', '21', '22', '23') "
                                                     f"AND p.birth_date BETWEEN '{born[0]}' AND '{born[1]}'")  # fmt: skip
    day = date.today() - timedelta(days=3)
    screen = connect(tmux, sshd, demo_db, tmp_path / "xdg")
    screen.wait_for("F1帮助", absent=("加载中",))
    screen.keys("F4")
    screen.wait_for("月度变更录入", "本批 0 条")

    screen.keys("7", widower, "Enter", day.strftime("%y%m%d"), "Enter")  # one send-keys: one read
    text = screen.wait_for(f"已保存：丧偶 {widower}", "本批 1 条  已保存 1")
    assert day.isoformat() in text
    assert re.search(r"查找 *\n", text), text  # the date never went into the search box
    assert db_row(demo_db, "SELECT marital_status, marriage_change_date FROM person WHERE key = ?",
                  (widower_key,)) == ("30", day.isoformat())  # fmt: skip

    screen.keys("2", dead, "Enter", day.strftime("%y%m%d"), "F2")  # six digits, no Enter: F2 reads them
    screen.wait_for(f"已保存：死亡 {dead}", "本批 2 条  已保存 2")
    assert db_row(demo_db, "SELECT death_date FROM person WHERE key = ?", (dead_key,)) == (day.isoformat(),)

    # a whole 避孕措施 line in one read: 措施 by its spoken name (上环 sh), the date, 失败类型 by initials and
    # F2 right after them (no Enter): the one candidate shown is what is stored
    screen.keys("0", woman, "Enter", "sh", "Enter", day.strftime("%Y%m%d"), "sh", "F2")
    screen.wait_for("本批 3 条  已保存 3")
    assert db_row(demo_db, "SELECT contraception_method, contraception_since, contraception_failure FROM person "
                  "WHERE key = ?", (woman_key,)) == ("03", day.isoformat(), "1")  # fmt: skip

    screen.keys("Escape")  # back to the tree (the line is empty: no question), then Esc asks to quit
    screen.wait_for("F1帮助", "/查找", absent=("月度变更录入",))
    screen.keys("Escape")
    screen.wait_for("退出 Renkou？")
    screen.type("y")
    wait_until("the app to quit on Esc, Y", lambda: not app_pids(demo_db), detail=screen.text)


# --- the county-server deployment (deploy/, README "Deployment over SSH") -----------------------------------
#
# Real local users: a service user owns the database (0600 in a 0700 folder); a clerk's OS account, member of
# the clerks' group, logs in with its own key; sshd (with deploy/sshd_renkou.conf included) forces the wrapper
# deploy/renkou-shell, which runs Renkou as the service user through sudo (deploy/sudoers-renkou). Whatever
# the clerk asks ssh for, the only thing that runs is Renkou's login screen.

DEPLOY = REPO / "deploy"
DEPLOY_NEEDS = ("sudo", "runuser", "useradd", "userdel", "groupadd", "groupdel", "visudo", "scp", "sftp", "sqlite3")


@dataclass
class Deployment:
    """The deployed county server: who is who, where the database is, and the sshd that enforces it."""

    base: Path
    service: str
    clerk: str
    group: str
    database: Path
    sshd: Sshd

    def ssh(self, remote: str | None, *, tty: bool = False) -> list[str]:
        command = self.sshd.ssh(remote or "", tty=tty)
        command[command.index("127.0.0.1")] = f"{self.clerk}@127.0.0.1"
        return command if remote is not None else command[:-1]

    def copy_options(self) -> list[str]:
        return ["-F", "/dev/null", "-i", str(self.sshd.key), "-o", "StrictHostKeyChecking=no", "-o",
                "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"]  # fmt: skip


def _deploy_missing() -> str | None:
    if os.geteuid() != 0:
        return "the deployment test creates local users and a sudoers entry: it runs as root (as CI does)"
    missing = [tool for tool in DEPLOY_NEEDS if shutil.which(tool) is None]
    if missing:
        return f"the deployment test needs {', '.join(missing)} (apt-get install sudo sqlite3 openssh-client)"
    if not Path("/etc/sudoers.d").is_dir():
        return "sudo has no /etc/sudoers.d"
    return None


def _python_for(user: str) -> str | None:
    """A `python -c` prefix the service user can run with the project importable (the test's interpreter may
    live in a folder only root can enter, e.g. /root/.pyenv): None when there is none."""
    import sysconfig

    paths = [str(REPO), sysconfig.get_paths()["purelib"]]
    setup = f"import sys; sys.path[:0] = {paths!r}; "
    for python in (sys.executable, "/usr/bin/python3"):
        probe = _run(["runuser", "-u", user, "--", python, "-c", setup + "import tui.cli, textual, tortoise"])
        if probe.returncode == 0:
            return f"{shlex.quote(python)} -c {shlex.quote(setup + 'from tui.cli import main; sys.exit(main())')}"
    return None


def _kill_user_processes(uid: int) -> None:
    """End the processes the test's users still run (found by their uid, ended by their id)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                continue


async def _county_database(path: Path) -> None:
    """The example households with Renkou accounts (so the app asks for a login)."""
    from store import db, private
    from store.importer import import_file
    from tests.support.data import EXAMPLE_FILE, add_accounts

    old = private.restrict_umask()
    try:
        async with db.database(path):
            await import_file(EXAMPLE_FILE, operator="import")
            await add_accounts()
    finally:
        os.umask(old)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The county server of the README's recipe, on this machine, removed again at the end."""
    import asyncio
    import pwd
    import tempfile

    reason = _deploy_missing()
    if reason:
        pytest.skip(reason)
    if MISSING:
        pytest.fail(f"RENKOU_REQUIRE_SSH=1 but this machine lacks {', '.join(MISSING)}")
    suffix = str(os.getpid() % 100000)
    service, clerk, group = f"rksvc{suffix}", f"rkclerk{suffix}", f"rkclerks{suffix}"
    base = Path(tempfile.mkdtemp(prefix="renkou-deploy-", dir="/tmp"))  # pytest's tmp is root-only
    base.chmod(0o755)
    sudoers = Path(f"/etc/sudoers.d/renkou-e2e-{suffix}")
    sshd_process: subprocess.Popen[bytes] | None = None
    try:
        for args in (
            ["groupadd", group],
            ["useradd", "-M", "-d", str(base / "service"), "-s", "/usr/sbin/nologin", "-p", "*", service],
            ["useradd", "-M", "-d", str(base / "clerk"), "-s", "/bin/sh", "-p", "*", "-G", group, clerk],
        ):
            done = _run(args)  # fmt: skip
            assert done.returncode == 0, done.stderr
        (base / "clerk").mkdir(mode=0o755)  # the clerk's home: root's, nothing to write there
        service_home = base / "service"
        service_home.mkdir(mode=0o700)
        data = base / "data"
        data.mkdir(mode=0o700)
        database = data / "county.sqlite3"
        asyncio.run(_county_database(database))
        entry = pwd.getpwnam(service)
        for path in (service_home, data, *data.iterdir()):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        python = _python_for(service)
        if python is None:
            pytest.skip("no Python interpreter with the project importable is reachable by a non-root user here")
        bin_dir = base / "bin"
        bin_dir.mkdir(mode=0o755)
        renkou = bin_dir / "renkou"
        renkou.write_text(f'#!/bin/sh\nexec {python} "$@"\n')
        renkou.chmod(0o755)
        wrapper = bin_dir / "renkou-shell"
        wrapper.write_text((DEPLOY / "renkou-shell").read_text()
                           .replace("RENKOU_USER=renkou", f"RENKOU_USER={service}")
                           .replace("RENKOU_BIN=/opt/renkou/bin/renkou", f"RENKOU_BIN={renkou}")
                           .replace("RENKOU_DB=/srv/renkou/county.sqlite3", f"RENKOU_DB={database}"))  # fmt: skip
        wrapper.chmod(0o755)
        rules = ((DEPLOY / "sudoers-renkou").read_text().replace("%renkou-clerks", f"%{group}")
                 .replace("(renkou)", f"({service})").replace("/opt/renkou/bin/renkou", str(renkou))
                 .replace("/srv/renkou/county.sqlite3", str(database)))  # fmt: skip
        staged = base / "sudoers"
        staged.write_text(rules)
        check = _run(["visudo", "-cf", str(staged)])
        assert check.returncode == 0, check.stdout + check.stderr
        sudoers.write_text(rules)
        sudoers.chmod(0o440)
        folder = tmp_path_factory.mktemp("sshd-deploy")
        snippet = base / "sshd_renkou.conf"
        snippet.write_text((DEPLOY / "sshd_renkou.conf").read_text().replace("renkou-clerks", group)
                           .replace("/opt/renkou/bin/renkou-shell", str(wrapper))
                           # sshd reads the keys as the clerk: a root-owned copy the clerk can read, not pytest's
                           + f"    AuthorizedKeysFile {base / 'authorized_keys'}\n")  # fmt: skip
        sshd_process, server = _start_sshd(folder, extra=f"Include {snippet}\n")
        shutil.copy(folder / "authorized_keys", base / "authorized_keys")
        (base / "authorized_keys").chmod(0o644)
        yield Deployment(base, service, clerk, group, database, server)
    finally:
        if sshd_process is not None:
            sshd_process.terminate()
            try:
                sshd_process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                sshd_process.kill()
                sshd_process.wait()
        sudoers.unlink(missing_ok=True)
        for user in (clerk, service):
            try:
                _kill_user_processes(pwd.getpwnam(user).pw_uid)
            except KeyError:
                continue
            _run(["userdel", user])
        _run(["groupdel", group])
        shutil.rmtree(base, ignore_errors=True)


def _leaks(text: str) -> list[str]:
    """What in `text` shows the database or a shell got through."""
    marks = ("SQLite format 3", "CREATE TABLE", "周建军", "430426198407210133", "uid=", "renkou-leak")
    return [mark for mark in marks if mark in text]


def test_deployed_clerk_cannot_run_commands(deployment: Deployment) -> None:
    """`ssh host sqlite3 …`, `ssh host sh`, `ssh host cat DB`: the wrapper runs instead, and refuses (no terminal)."""
    db_path = shlex.quote(str(deployment.database))
    shell_input = f"id\ncat {db_path}\necho renkou-leak\n"
    for remote in (f"sqlite3 {db_path} .dump", "sh", f"cat {db_path}", "sh -c id", f"sudo -n cat {db_path}", None):
        done = _run(deployment.ssh(remote), input=shell_input)
        shown = done.stdout + done.stderr
        assert done.returncode != 0, (remote, shown, deployment.sshd.log_tail())
        assert not _leaks(shown), (remote, shown)
        assert "只能在终端中使用" in shown, (remote, shown, deployment.sshd.log_tail())


def test_deployed_database_cannot_be_copied(deployment: Deployment, tmp_path: Path) -> None:
    """scp (SFTP protocol and the legacy one) and sftp of the database file are refused."""
    port, source = str(deployment.sshd.port), f"{deployment.clerk}@127.0.0.1:{deployment.database}"
    for n, legacy in enumerate((False, True)):
        local = tmp_path / f"copy{n}.sqlite3"
        done = _run(["scp", *(["-O"] if legacy else []), "-P", port, *deployment.copy_options(), source, str(local)])
        assert done.returncode != 0, done.stderr
        assert not local.exists() or b"SQLite format 3" not in local.read_bytes()
    local = tmp_path / "sftp.sqlite3"
    batch = f"get {deployment.database} {local}\n"
    done = _run(["sftp", "-b", "-", "-P", port, *deployment.copy_options(), f"{deployment.clerk}@127.0.0.1"],
                input=batch)  # fmt: skip
    assert done.returncode != 0 and not local.exists(), done.stdout + done.stderr


def test_deployed_database_is_out_of_the_clerks_reach(deployment: Deployment) -> None:
    """The clerk's own OS account can neither read the database nor use sudo for anything but the TUI."""
    import pwd

    owner = pwd.getpwnam(deployment.service).pw_uid
    for path, wanted in ((deployment.database, 0o600), (deployment.database.parent, 0o700)):
        info = path.stat()
        assert info.st_uid == owner and info.st_mode & 0o777 == wanted, (path, oct(info.st_mode))
    as_clerk = ["runuser", "-u", deployment.clerk, "--"]
    db_path = str(deployment.database)
    for command in (["cat", db_path], ["sqlite3", db_path, ".tables"], ["ls", str(deployment.database.parent)],
                    ["sudo", "-n", "-u", deployment.service, "/bin/cat", db_path],
                    ["sudo", "-n", "-u", deployment.service, str(deployment.base / "bin" / "renkou"), "--db", db_path,
                     "user", "list"]):  # fmt: skip
        done = _run([*as_clerk, *command])
        assert done.returncode != 0, (command, done.stdout)
        assert not _leaks(done.stdout), (command, done.stdout)


def test_deployed_clerk_still_logs_in_to_renkou(deployment: Deployment) -> None:
    """With a terminal the wrapper opens Renkou as the service user, at its login screen (even when the clerk
    asked for sqlite3); the clerk's Renkou account then opens the household tree."""
    tmux = Tmux()
    try:
        for remote in (None, f"sqlite3 {shlex.quote(str(deployment.database))}"):
            screen = tmux.new(shlex.join(deployment.ssh(remote, tty=True)) + "; sleep 60")
            screen.context = deployment.sshd.log_tail
            screen.wait_for("登录", "用户名", absent=("sqlite>",), timeout=TIMEOUT * 2)
        screen.type("clerk")
        screen.wait_for("clerk", absent=("用户名",))
        time.sleep(0.5)  # the login screen is not what is tested here: one key at a time
        screen.keys("Enter")
        time.sleep(0.5)
        screen.type("secret123")
        screen.wait_for("•••", absent=("密码",))
        screen.keys("Enter")
        screen.wait_for("F1帮助", absent=("登录",), timeout=TIMEOUT * 2)
    finally:
        tmux.kill_server()
