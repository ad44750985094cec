"""Authentication hardening (issue 10): a lockout that parallel processes cannot race, lock times on both
databases, the password policy, hash upgrades, one answer for every failed login, usernames, the forced change
after an admin set a password, and the idle-lock setting."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import access, db, users
from store.errors import StoreError

ROOT = Path(__file__).resolve().parents[1]
FAST = 1000  # iterations for accounts whose hash speed does not matter to the test
PARALLEL = 30


def db_arg(target: db.DbTarget) -> str:
    return str(target.path) if target.path is not None else target.url


def renkou(target: db.DbTarget, *argv: str, password: str, new: str | None = None,
           tz: str = "Asia/Shanghai") -> subprocess.Popen[str]:  # fmt: skip
    """A real ``renkou`` process (started, not waited for), by default in a time zone other than the tests'
    (UTC here) so that naive and aware lock times cannot agree by accident."""
    env = {**os.environ, "RENKOU_PASSWORD": password, "TZ": tz}
    env.pop("RENKOU_NEW_PASSWORD", None)
    if new is not None:
        env["RENKOU_NEW_PASSWORD"] = new
    return subprocess.Popen([sys.executable, "-m", "tui.cli", *argv, "--db", db_arg(target)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


async def hash_checks(username: str) -> int:
    """How many passwords of `username` were checked against its hash and found wrong (one log entry each)."""
    return int(
        await db.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND target = ? AND detail LIKE 'attempt %'",
            [username],
        )
    )


async def test_parallel_wrong_passwords_check_at_most_five_and_lock(store_db: db.DbTarget) -> None:
    await users.create_user("boss", "王主任", "Boss-pass-2025", "admin", iterations=FAST)
    await users.create_user("clerk", "李敏", "Clerk-pass-2025", "operator", iterations=FAST)
    started = time.perf_counter()
    processes = [renkou(store_db, "log", "--user", "clerk", password=f"wrong-{i}") for i in range(PARALLEL)]
    results = [finish(p) for p in processes]
    elapsed = time.perf_counter() - started
    assert all(code == 1 for code, _, _ in results), results
    assert {err for _, _, err in results} == {f"renkou: {users.LOGIN_FAILED}\n"}
    checks = await hash_checks("clerk")
    refused = int(await db.scalar("SELECT count(*) FROM audit_log WHERE detail = 'locked account'"))
    row = (await db.fetch_dicts("SELECT failed_attempts, locked_until FROM app_user WHERE username = 'clerk'"))[0]
    print(f"\n{db.dialect()}: {PARALLEL} parallel wrong passwords in {elapsed:.1f} s: {checks} checked, "
          f"{refused} refused unchecked, failed_attempts={row['failed_attempts']}")  # fmt: skip
    assert checks == users.MAX_FAILURES and refused == PARALLEL - users.MAX_FAILURES
    assert row["failed_attempts"] == users.MAX_FAILURES
    locked_until = users.local_time(row["locked_until"])
    assert isinstance(locked_until, dt.datetime)
    assert dt.timedelta(minutes=10) < locked_until - dt.datetime.now() <= dt.timedelta(minutes=users.LOCK_MINUTES)

    for tz in ("Asia/Shanghai", "Etc/GMT-14", "Etc/GMT+12"):  # a client's TZ can neither end nor stretch a lock
        code, _, err = finish(renkou(store_db, "log", "--user", "clerk", password="Clerk-pass-2025", tz=tz))
        assert (code, err) == (1, f"renkou: {users.LOGIN_FAILED}\n"), tz  # the right password while locked
    assert await hash_checks("clerk") == users.MAX_FAILURES

    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    await db.execute("UPDATE app_user SET locked_until = ? WHERE username = 'clerk'", [users._db_time(past)])
    code, _, err = finish(renkou(store_db, "log", "--user", "clerk", password="Clerk-pass-2025"))
    assert code == 0, err  # the lock has run out
    assert await db.scalar("SELECT failed_attempts FROM app_user WHERE username = 'clerk'") == 0


async def test_lock_times_on_both_databases(store_db: db.DbTarget) -> None:
    await users.create_user("clerk", "李敏", "Clerk-pass-2025", "operator", iterations=FAST)
    for _ in range(users.MAX_FAILURES + 2):
        with pytest.raises(StoreError):
            await users.authenticate("clerk", "wrong-pass")
    with pytest.raises(StoreError) as refused:
        await users.authenticate("clerk", "Clerk-pass-2025")
    assert str(refused.value) == users.LOGIN_FAILED
    listed = (await users.list_users())[0]
    assert listed["locked_until"].tzinfo is None and listed["locked_until"] > dt.datetime.now()  # type: ignore[union-attr]
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    await db.execute("UPDATE app_user SET locked_until = ? WHERE username = 'clerk'", [users._db_time(past)])
    with pytest.raises(StoreError):  # a new period: the first wrong password counts one, no instant relock
        await users.authenticate("clerk", "wrong-pass")
    row = (await db.fetch_dicts("SELECT failed_attempts, locked_until FROM app_user"))[0]
    assert (row["failed_attempts"], row["locked_until"]) == (1, None)
    assert (await users.authenticate("clerk", "Clerk-pass-2025"))["username"] == "clerk"
    assert await db.scalar("SELECT failed_attempts FROM app_user") == 0


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short7!", "至少 8 位"),
        ("x" * 129, "不能超过"),
        ("liming", "至少 8 位"),
        ("zhangsan", "用户名相同"),
        ("ZhangSan", "用户名相同"),
        ("nasgnahz", "倒过来"),
        ("123456789", "太常见"),
        ("woaini1314", "太常见"),
        ("qq123456", "太常见"),
        ("a1234567", "太常见"),
        ("88888888", "太常见"),
        ("Password1", "太常见"),
        ("1qaz2wsx", "太常见"),
        ("19851018", "太常见"),
        ("tab\there1", "控制字符"),
    ],
)
def test_password_policy_says_what_is_wrong(password: str, problem: str) -> None:
    message = users.password_problem(password, "ZhangSan")
    assert message is not None and problem in message


def test_password_policy_accepts_a_good_password() -> None:
    assert users.password_problem("Lu-shan 2025 春", "zhangsan") is None
    assert len(users.common_passwords()) > 2000


async def test_the_policy_guards_every_way_a_password_is_set(store_db: db.DbTarget) -> None:
    with pytest.raises(StoreError, match="太常见"):
        await users.create_user("wangclerk", "李敏", "woaini1314", "operator")
    await users.create_user("wangclerk", "李敏", "Clerk-pass-2025", "operator", iterations=FAST)
    with pytest.raises(StoreError, match="至少 8 位"):
        await users.set_password("wangclerk", "abc123", by="boss")
    with pytest.raises(StoreError, match="用户名相同"):
        await users.change_own_password("wangclerk", "Clerk-pass-2025", "WANGCLERK")
    with pytest.raises(StoreError, match="不能与原密码相同"):
        await users.change_own_password("wangclerk", "Clerk-pass-2025", "Clerk-pass-2025")
    assert await hash_checks("wangclerk") == 0  # a refused new password costs no attempt


async def test_weak_hashes_are_upgraded_at_the_next_login(store_db: db.DbTarget) -> None:
    await users.create_user("old", "老账号", "Old-pass-2019", "operator", iterations=390_000)
    assert "$390000$" in await db.scalar("SELECT password_hash FROM app_user")
    with pytest.raises(StoreError):
        await users.authenticate("old", "wrong-pass")
    assert "$390000$" in await db.scalar("SELECT password_hash FROM app_user")  # only a right password upgrades
    await users.authenticate("old", "Old-pass-2019")
    stored = await db.scalar("SELECT password_hash FROM app_user")
    assert stored.startswith(f"pbkdf2_sha256${users.ITERATIONS}$") and users.ITERATIONS >= 600_000
    assert not users.needs_rehash(stored)
    assert (await users.authenticate("old", "Old-pass-2019"))["username"] == "old"
    assert await db.scalar("SELECT password_hash FROM app_user") == stored  # not rehashed twice
    await users.set_password("old", "Reset-pass-2020", by="boss", iterations=FAST)  # must change: kept on upgrade
    assert (await users.authenticate("old", "Reset-pass-2020"))["must_change_password"]
    assert users.must_change(await db.scalar("SELECT password_hash FROM app_user"))


async def test_unknown_wrong_locked_and_disabled_answer_alike(store_db: db.DbTarget,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    await users.create_user("boss", "王主任", "Boss-pass-2025", "admin")
    await users.create_user("gone", "赵停", "Gone-pass-2025", "operator", iterations=FAST)
    await users.create_user("held", "钱锁", "Held-pass-2025", "operator", iterations=FAST)
    await users.set_active("gone", False, by="boss")
    for _ in range(users.MAX_FAILURES):
        with pytest.raises(StoreError):
            await users.authenticate("held", "wrong-pass")
    real = hashlib.pbkdf2_hmac
    iterations: list[int] = []

    def counted(name: str, password: bytes, salt: bytes, rounds: int) -> bytes:
        iterations.append(rounds)
        return real(name, password, salt, rounds)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counted)
    answers, timings = {}, {}
    for case, (name, password) in {"wrong": ("boss", "Wrong-pass-1"), "unknown": ("nobody", "Wrong-pass-1"),
                                   "disabled": ("gone", "Gone-pass-2025"), "locked": ("held", "Held-pass-2025"),
                                   "unknown again": ("nobody", "Wrong-pass-1")}.items():  # fmt: skip
        started = time.perf_counter()
        with pytest.raises(StoreError) as failed:
            await users.authenticate(name, password)
        timings[case] = time.perf_counter() - started
        answers[case] = str(failed.value)
    assert set(answers.values()) == {users.LOGIN_FAILED}
    assert "用户名或密码错误" in users.LOGIN_FAILED and "锁定" in users.LOGIN_FAILED
    assert iterations == [users.ITERATIONS] * 5  # every failure does one full-strength check
    assert timings["unknown"] > 0.5 * timings["wrong"] and timings["unknown again"] > 0.5 * timings["wrong"]
    reasons = [r[0] for r in await db.fetch("SELECT detail FROM audit_log WHERE action = 'login.failed'")]
    assert {"unknown account", "disabled account", "locked account"} <= set(reasons)  # the admin can tell


async def test_usernames_are_normalised_and_restricted(store_db: db.DbTarget) -> None:
    await users.create_user("Admin ", "王主任", "Boss-pass-2025", "admin", iterations=FAST)
    assert [u["username"] for u in await users.list_users()] == ["admin"]
    for taken in ("admin", "ADMIN", " admin", "ａｄｍｉｎ"):
        with pytest.raises(StoreError, match="已存在"):
            await users.create_user(taken, "冒名", "Other-pass-2025", "admin", iterations=FAST)
    for bad in ("li ming", "张三", "a", "x" * 33, "evil\x1b[31m", "semi;colon"):
        with pytest.raises(StoreError, match=r"用户名 .* 无效") as refused:
            await users.create_user(bad, "某人", "Other-pass-2025", iterations=FAST)
        assert "\x1b" not in str(refused.value)
    with pytest.raises(StoreError, match="控制字符"):
        await users.create_user("mole", "李\x1b[2J", "Other-pass-2025", iterations=FAST)
    assert (await users.authenticate(" ADMIN", "Boss-pass-2025"))["username"] == "admin"
    assert (await access.who_is_acting("Admin", "Boss-pass-2025")).username == "admin"
    await db.execute(  # an account made before names were normalised
        "INSERT INTO app_user (username, real_name, password_hash, role, failed_attempts, active, created_at) "
        "VALUES ('LiMing', '李敏', ?, 'operator', 0, ?, ?)",
        [users.hash_password("Legacy-pass-1", iterations=FAST), True, users._db_time(dt.datetime.now(dt.timezone.utc))],
    )  # fmt: skip
    assert (await users.authenticate("liming", "Legacy-pass-1"))["username"] == "LiMing"
    with pytest.raises(StoreError, match="已存在"):
        await users.create_user("liming", "李敏", "Other-pass-2025", iterations=FAST)
    assert await users.role_of("LIMING") == "operator"


def test_printable_escapes_control_characters() -> None:
    assert users.printable("li\x1b[31mred\r\n\u202egnp.exe\x9b") == "li\\x1b[31mred\\x0d\\x0a\\u202egnp.exe\\x9b"
    assert users.printable("王主任 zhang.li") == "王主任 zhang.li"


def test_the_cli_never_prints_a_stored_control_character(tmp_path: Path) -> None:
    import asyncio

    target = db.resolve(tmp_path / "r.sqlite3")

    async def setup() -> None:
        async with db.database(target):
            await users.create_user("boss", "王主任", "Boss-pass-2025", "admin", iterations=FAST)
            await db.execute(
                "INSERT INTO app_user (username, real_name, password_hash, role, failed_attempts, active, created_at) "
                "VALUES (?, ?, 'x', 'operator', 0, ?, ?)",
                ["bad\x1b[2J", "李\x1b]0;pwned\x07", True, dt.datetime.now()],
            )

    asyncio.run(setup())
    failed = finish(renkou(target, "log", "--user", "\x1b[31mnobody", password="whatever-1"))
    assert failed[0] == 1 and "\x1b" not in failed[2]
    for argv in (("user", "list"), ("log",)):
        code, out, err = finish(renkou(target, *argv, "--user", "boss", password="Boss-pass-2025"))
        assert code == 0, err
        assert "\x1b" not in out and "\x07" not in out
    assert "bad\\x1b[2J\t李\\x1b]0;pwned\\x07" in finish(renkou(target, "user", "list", "--user", "boss",
                                                               password="Boss-pass-2025"))[1]  # fmt: skip
    assert "\\x1b[31mnobody" in finish(renkou(target, "log", "--user", "boss", password="Boss-pass-2025"))[1]


async def test_an_admin_set_password_must_be_changed_first(store_db: db.DbTarget) -> None:
    await users.create_user("boss", "王主任", "Boss-pass-2025", "admin", iterations=FAST)
    assert not (await users.account("boss"))["must_change_password"]  # type: ignore[index]  # made by the program
    await users.create_user("clerk", "李敏", "Temp-pass-2025", "operator", by="boss", iterations=FAST)
    assert (await users.account("clerk"))["must_change_password"]  # type: ignore[index]
    clerk = await access.who_is_acting("clerk", "Temp-pass-2025")
    assert clerk.must_change_password
    assert (await access.actor_for("clerk")).must_change_password  # what the TUI asks after its login screen
    with pytest.raises(StoreError, match="用户名或密码错误"):
        await users.change_own_password("clerk", "wrong-old-1", "Mine-only-2025")
    user = await users.change_own_password("Clerk", "Temp-pass-2025", "Mine-only-2025")
    assert user["username"] == "clerk" and not user["must_change_password"]
    assert not (await access.who_is_acting("clerk", "Mine-only-2025")).must_change_password
    await users.set_password("clerk", "Reset-pass-2025", by="boss", iterations=FAST)
    assert (await access.who_is_acting("clerk", "Reset-pass-2025")).must_change_password
    await users.set_password("boss", "Boss-new-2026", by="boss", iterations=FAST)  # an admin's own: no
    assert not (await access.who_is_acting("boss", "Boss-new-2026")).must_change_password
    await db.execute("INSERT INTO setting (key, value) VALUES ('demo', '1')")
    assert not (await access.actor_for("clerk")).must_change_password  # demo databases take no passwords


def test_renkou_passwd_and_the_forced_change(tmp_path: Path) -> None:
    target = db.resolve(tmp_path / "r.sqlite3")
    ran = finish(renkou(target, "user", "add", "boss", "--name", "王主任", "--role", "admin", password="",
                        new="Boss-pass-2025"))  # fmt: skip
    assert ran[0] == 0, ran
    code, _, err = finish(renkou(target, "user", "add", "clerk", "--name", "李敏", "--user", "boss",
                                 password="Boss-pass-2025", new="woaini1314"))  # fmt: skip
    assert code == 1 and "太常见" in err
    finish(renkou(target, "user", "add", "clerk", "--name", "李敏", "--user", "boss", password="Boss-pass-2025",
                  new="Temp-pass-2025"))  # fmt: skip
    code, out, err = finish(renkou(target, "export", "households", "--out", str(tmp_path / "h.jsonl"),
                                   "--user", "clerk", password="Temp-pass-2025"))  # fmt: skip
    assert code == 1 and out == "" and "renkou passwd --user clerk" in err and len(err.splitlines()) == 1
    code, _, err = finish(renkou(target, "passwd", "--user", "clerk", password="Temp-pass-2025", new="12345678"))
    assert code == 1 and "太常见" in err
    code, out, err = finish(renkou(target, "passwd", "--user", "CLERK", password="Temp-pass-2025",
                                   new="Mine-only-2025"))  # fmt: skip
    assert code == 0 and "已修改 clerk 的密码" in out, err
    code, _, err = finish(renkou(target, "log", "--user", "clerk", password="Mine-only-2025"))
    assert code == 0, err
    code, _, err = finish(renkou(target, "passwd", "--user", "clerk", password="Mine-only-2025"))
    assert code == 1 and "RENKOU_NEW_PASSWORD" in err  # no terminal, no new password: nothing changed


async def test_idle_lock_limit_is_the_databases(store_db: db.DbTarget) -> None:
    assert await users.idle_lock_minutes({}) == users.IDLE_LOCK_DEFAULT == 15
    await users.set_idle_lock_minutes(5, by="boss")
    for env, expected in (({}, 5), ({"RENKOU_IDLE_MINUTES": "0"}, 5), ({"RENKOU_IDLE_MINUTES": "-3"}, 5),
                          ({"RENKOU_IDLE_MINUTES": "30"}, 5), ({"RENKOU_IDLE_MINUTES": "nan"}, 5),
                          ({"RENKOU_IDLE_MINUTES": "abc"}, 5), ({"RENKOU_IDLE_MINUTES": "2"}, 2),
                          ({"RENKOU_IDLE_MINUTES": "0.01"}, 0.01)):  # fmt: skip
        assert await users.idle_lock_minutes(env) == expected, env
    for bad in (0, 61):
        with pytest.raises(StoreError, match="1 到 60"):
            await users.set_idle_lock_minutes(bad, by="boss")
    await db.execute("UPDATE setting SET value = '0' WHERE key = ?", [users.IDLE_LOCK_SETTING])  # tampered
    assert await users.idle_lock_minutes({}) == 1


def test_renkou_settings_idle_lock_is_for_admins(tmp_path: Path) -> None:
    target = db.resolve(tmp_path / "r.sqlite3")
    finish(
        renkou(target, "user", "add", "boss", "--name", "王主任", "--role", "admin", password="", new="Boss-pass-2025")
    )
    finish(renkou(target, "user", "add", "clerk", "--name", "李敏", "--user", "boss", password="Boss-pass-2025",
                  new="Temp-pass-2025"))  # fmt: skip
    finish(renkou(target, "passwd", "--user", "clerk", password="Temp-pass-2025", new="Mine-only-2025"))
    code, _, err = finish(renkou(target, "settings", "idle-lock", "60", "--user", "clerk", password="Mine-only-2025"))
    assert (code, err) == (1, "renkou: 只有管理员可以修改系统设置。\n")
    code, _, err = finish(renkou(target, "settings", "idle-lock", "0", "--user", "boss", password="Boss-pass-2025"))
    assert code == 2 and "1 到 60" in err
    code, out, _ = finish(renkou(target, "settings", "idle-lock", "5", "--user", "boss", password="Boss-pass-2025"))
    assert code == 0 and "5 分钟" in out
    code, out, _ = finish(renkou(target, "settings", "idle-lock", "--user", "clerk", password="Mine-only-2025"))
    assert code == 0 and "闲置 5 分钟后锁屏" in out
