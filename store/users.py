"""Real-name accounts: usernames, the password policy, password hashing (PBKDF2-SHA256), lockout, the forced
change after an admin set a password, and the idle-lock setting. Who is acting and what they may do is decided
in `store.access`.

Login (:func:`authenticate`) is built so that a client learns nothing but "in" or "not in":

* **Lockout cannot be raced.** Before a password is checked, one conditional ``UPDATE … RETURNING`` reserves an
  attempt (``failed_attempts + 1``, only while fewer than :data:`MAX_FAILURES` and not locked; the reservation
  that reaches the limit also sets ``locked_until``). The database serialises these updates (SQLite's write
  lock; PostgreSQL re-checks the condition on the locked row), so however many processes try at once, at most
  :data:`MAX_FAILURES` wrong passwords are checked per lockout period. A right password resets the count.
* **Unknown, disabled and locked accounts look like a wrong password**: the same message (:data:`LOGIN_FAILED`)
  and the same work (a PBKDF2 check against :data:`_DUMMY_HASH`). The message names the lock as a possibility
  for every failure, so it neither confirms that an account exists nor that it is locked; the admin sees locks
  in ``renkou user list`` and every failure, with its reason, in the audit log.
* **Lock times** are written and compared as aware UTC on both databases (a ``timestamptz`` on PostgreSQL, ISO
  text with ``+00:00`` on SQLite), never as naive local time, which depends on each process's ``TZ``; Python
  code reads them as naive local time (:func:`local_time`).

The hash string is ``pbkdf2_sha256$ITERATIONS$SALT$DIGEST`` with an optional ``$must_change`` field: the password
was set by someone else (an admin creating the account or resetting it) and its holder must replace it before
doing anything else. Keeping the flag in the hash means it is written and cleared together with the password,
and needs no schema change. A hash weaker than :data:`ITERATIONS` is upgraded at the next successful login.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from functools import cache
from importlib import resources

from store import audit, db, schema
from store.errors import StoreError
from store.startup import IDLE_LOCK_DEFAULT as IDLE_LOCK_DEFAULT
from store.startup import IDLE_LOCK_RANGE as IDLE_LOCK_RANGE
from store.startup import IDLE_LOCK_SETTING as IDLE_LOCK_SETTING
from store.startup import idle_limit, idle_minutes
from store.startup import os_user as os_user

ROLES = {"operator": "录入员", "reviewer": "审核员", "admin": "管理员"}
SCHEME = "pbkdf2_sha256"
ITERATIONS = 600_000  # OWASP 2023 for PBKDF2-HMAC-SHA256
MUST_CHANGE = "must_change"
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8
MAX_PASSWORD = 128
USERNAME_PATTERN = re.compile(r"[a-z0-9_.-]{2,32}")

#: The one answer to every failed login (unknown name, wrong password, disabled or locked account).
LOGIN_FAILED = f"用户名或密码错误，或账号已锁定（连续输错 {MAX_FAILURES} 次锁定 {LOCK_MINUTES} 分钟，管理员可解锁）。"

#: Checked for names without an account so that they take as long as a wrong password (never matches: no
#: password hashes to a digest of zeros with this salt in practice).
_DUMMY_HASH = f"{SCHEME}${ITERATIONS}${'0' * 32}${'0' * 64}"

_ACCOUNT_COLUMNS = "id, username, real_name, role, unit_code, active, locked_until, password_hash"


# --- names and text --------------------------------------------------------------------------------


def normalise_username(username: str) -> str:
    """The canonical form of a username: NFKC (full-width letters become ASCII), stripped, lower-case."""
    return unicodedata.normalize("NFKC", username).strip().lower()


def check_username(username: str) -> str:
    """The normalised username of a new account; :class:`StoreError` unless it is 2–32 of ``a-z 0-9 _ . -``."""
    name = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(name):
        raise StoreError(
            f"用户名 {printable(username)} 无效：只能用 2 到 32 个英文字母、数字、下划线、点或减号（如 liming、zhang.li），"
            "大写字母按小写处理。"
        )
    return name


def printable(text: object) -> str:
    """`text` safe to print on a terminal: control and format characters (ANSI escapes, carriage returns,
    bidirectional overrides) are shown as ``\\x1b``, ``\\u202e``."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _check_real_name(real_name: str) -> str:
    name = real_name.strip()
    if not name:
        raise StoreError("真实姓名不能为空。")
    if printable(name) != name or len(name) > 60:
        raise StoreError("真实姓名不能含控制字符，且不超过 60 个字。")
    return name


# --- units ---------------------------------------------------------------------------------------

#: a unit code an account may be given: township (9), village (12) or group (14) codes, or any 6–14 digits
UNIT_PATTERN = re.compile(r"[0-9]{6,14}")
_UNIT_SPLIT = re.compile(r"[\s,，、;；]+")


def parse_units(text: object) -> tuple[str, ...]:
    """The units of an account from its stored ``unit_code`` (one code, or several separated by commas):
    code prefixes, shortest first, without duplicates or codes already covered by a shorter one."""
    if not text:
        return ()
    codes = sorted({c for c in _UNIT_SPLIT.split(unicodedata.normalize("NFKC", str(text))) if c}, key=len)
    kept: list[str] = []
    for code in codes:
        if not any(code.startswith(k) for k in kept):
            kept.append(code)
    return tuple(sorted(kept))


def check_units(text: str | None) -> str | None:
    """The ``unit_code`` to store for the unit typed, or None for none (the whole database); :class:`StoreError`
    for a code that is not 6 to 14 digits, or for several codes (the column holds one today: :func:`parse_units`
    and `store.scope` already take several, a wider column is all that several units per account need)."""
    units = parse_units(text)
    for code in units:
        if not UNIT_PATTERN.fullmatch(code):
            raise StoreError(f"单位代码 {printable(code)} 无效：应为 6 到 14 位数字（乡镇 9 位、村 12 位）。")
    if len(units) > 1:
        raise StoreError("一个账号目前只能指定一个单位（乡镇或村代码）；负责整个乡镇的账号请给乡镇代码。")
    return ",".join(units) or None


# --- the password policy ---------------------------------------------------------------------------


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords shipped in ``store/data/common_passwords.txt`` (lower-case)."""
    text = resources.files("store").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str) -> str | None:
    """What is wrong with `password` for `username`, in Chinese, or None when it may be used."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 位。"
    if len(password) > MAX_PASSWORD:
        return f"密码不能超过 {MAX_PASSWORD} 位。"
    if printable(password) != password:
        return "密码不能含控制字符。"
    folded = password.lower()
    name = normalise_username(username)
    if folded in (name, name[::-1]):
        return "密码不能与用户名相同（也不能是用户名倒过来写）。"
    if folded in common_passwords():
        return "这个密码太常见（如 123456789、88888888 这类），很容易被猜中，请换一个。"
    return None


def check_password_policy(password: str, username: str) -> None:
    """Raise :class:`StoreError` with :func:`password_problem`'s message when `password` may not be used."""
    problem = password_problem(password, username)
    if problem:
        raise StoreError(problem)


# --- hashes ----------------------------------------------------------------------------------------


def hash_password(password: str, *, iterations: int = ITERATIONS, must_change: bool = False) -> str:
    """A salted PBKDF2-SHA256 hash in ``pbkdf2_sha256$iterations$salt$hash[$must_change]`` form."""
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return f"{SCHEME}${iterations}${salt}${digest}" + (f"${MUST_CHANGE}" if must_change else "")


def _parts(stored: str) -> tuple[int, str, str, bool] | None:
    fields = stored.split("$")
    if len(fields) not in (4, 5) or fields[0] != SCHEME or not fields[1].isdigit():
        return None
    if len(fields) == 5 and fields[4] != MUST_CHANGE:
        return None
    return int(fields[1]), fields[2], fields[3], len(fields) == 5


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches a hash made by :func:`hash_password` (constant-time compare)."""
    parts = _parts(stored)
    if parts is None:
        return False
    iterations, salt, digest, _ = parts
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return hmac.compare_digest(candidate, digest)


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made with weaker parameters than today's (upgraded at the next login)."""
    parts = _parts(stored)
    return parts is None or parts[0] < ITERATIONS


def must_change(stored: str) -> bool:
    """Whether the password of this hash was set by someone else and must be changed by its holder."""
    parts = _parts(stored)
    return parts is not None and parts[3]


# --- time ------------------------------------------------------------------------------------------


def _db_time(moment: dt.datetime) -> dt.datetime:
    """A lock time as it is written and compared in the database: aware UTC on both (whole seconds). Never
    local time: on SQLite naive local times written by processes with different ``TZ`` (SSH sessions of
    different clerks, or a client setting ``TZ`` on purpose) would shift or end a lock early."""
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0)


def _created_time() -> dt.datetime:
    """Now, as the other timestamps of the database are written (aware on PostgreSQL, naive local on SQLite)."""
    now = dt.datetime.now().astimezone().replace(microsecond=0)
    return now if db.dialect() == "postgres" else now.replace(tzinfo=None)


def local_time(value: object) -> object:
    """A timestamp read from either database as naive local time (other values unchanged)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)
    return value


def _public(row: dict[str, object]) -> dict[str, object]:
    """An account row as callers see it: no hash, lock time in local time, the must-change flag."""
    out = {k: v for k, v in row.items() if k not in ("password_hash", "id", "failed_attempts")}
    out["locked_until"] = local_time(row.get("locked_until"))
    out["must_change_password"] = must_change(str(row.get("password_hash") or ""))
    return out


# --- accounts --------------------------------------------------------------------------------------


async def count_users() -> int:
    """How many accounts exist."""
    return int(await db.scalar("SELECT count(*) FROM app_user") or 0)


async def _row(username: str) -> dict[str, object] | None:
    rows = await db.fetch_dicts(
        f"SELECT {_ACCOUNT_COLUMNS} FROM app_user WHERE lower(username) = ? ORDER BY id", [normalise_username(username)]
    )
    return rows[0] if rows else None


async def create_user(
    username: str,
    real_name: str,
    password: str,
    role: str = "operator",
    unit_code: str | None = None,
    *,
    by: str = "system",
    iterations: int = ITERATIONS,
    must_change: bool | None = None,
    check_policy: bool = True,
) -> None:
    """Create an account; raises :class:`StoreError` for a bad or taken name (compared case-insensitively),
    an unknown role or a password the policy refuses. `must_change` None: the holder must change the password
    at first login unless they chose it themselves (`by` is the new account) or a program made it (``system``).
    `check_policy` False only for the demo account (demo databases take no passwords)."""
    if role not in ROLES:
        raise StoreError(f"角色 {role} 无效，应为 operator（录入员）、reviewer（审核员）或 admin（管理员）。")
    name = check_username(username)
    real = _check_real_name(real_name)
    unit_code = check_units(unit_code)
    if check_policy:
        check_password_policy(password, name)
    if await _row(name) is not None:
        raise StoreError(f"用户名 {name} 已存在。")
    if must_change is None:
        must_change = by not in ("system", name)
    now = _created_time()
    await db.execute(
        "INSERT INTO app_user (username, real_name, password_hash, role, unit_code, failed_attempts, active, "
        "created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
        [name, real, hash_password(password, iterations=iterations, must_change=must_change), role, unit_code,
         True, now],
    )  # fmt: skip
    await audit.log_action(by, "user.create", name, f"role={role} unit={unit_code or ''}")


async def _reserve_attempt(name: str) -> dict[str, object] | None:
    """Count one login attempt of an active, unlocked account before its password is checked (atomically, see
    the module notes); the reservation reaching :data:`MAX_FAILURES` locks the account until the check resets
    it. None: no such active account, or it is locked (or out of attempts)."""
    now = dt.datetime.now(dt.timezone.utc)
    at, until = _db_time(now), _db_time(now + dt.timedelta(minutes=LOCK_MINUTES))
    count = "CASE WHEN locked_until IS NOT NULL AND locked_until <= ? THEN 1 ELSE failed_attempts + 1 END"
    lock = "?::timestamptz" if db.dialect() == "postgres" else "?"  # a CASE result gives PostgreSQL no type
    rows = await db.fetch_dicts(
        f"UPDATE app_user SET failed_attempts = {count}, "
        f"locked_until = CASE WHEN {count} >= ? THEN {lock} ELSE NULL END "
        "WHERE id = (SELECT min(id) FROM app_user WHERE lower(username) = ?) AND active = ? "
        "AND ((locked_until IS NULL AND failed_attempts < ?) OR locked_until <= ?) "
        f"RETURNING {_ACCOUNT_COLUMNS}, failed_attempts",
        [at, at, MAX_FAILURES, until, name, True, MAX_FAILURES, at],
    )
    return rows[0] if rows else None


async def _refusal_reason(name: str) -> str:
    """Why no attempt could be reserved (for the audit log only, never shown to the client)."""
    row = await _row(name)
    if row is None:
        return "unknown account"
    if not row["active"]:
        return "disabled account"
    return "locked account"


async def authenticate(username: str, password: str, *, rehash: bool = True) -> dict[str, object]:
    """The account (without its hash; with ``must_change_password``) when the password is right. Every failure
    raises :class:`StoreError` with :data:`LOGIN_FAILED`, after the same work (see the module notes). A right
    password resets the failure count, and upgrades a hash weaker than :data:`ITERATIONS` unless `rehash` is
    False."""
    name = normalise_username(username)
    logged_name = printable(name)[:60]
    row = await _reserve_attempt(name)
    if row is None:
        check_password(password, _DUMMY_HASH)  # as long as a real check
        await audit.log_action(logged_name, "login.failed", logged_name[:120], await _refusal_reason(name))
        raise StoreError(LOGIN_FAILED)
    stored = str(row["password_hash"])
    if not check_password(password, stored):
        attempts = int(row["failed_attempts"])  # type: ignore[call-overload]
        locked = "，账号已锁定" if attempts >= MAX_FAILURES else ""
        await audit.log_action(logged_name, "login.failed", logged_name[:120], f"attempt {attempts}{locked}")
        raise StoreError(LOGIN_FAILED)
    if rehash and needs_rehash(stored):
        stored = hash_password(password, must_change=must_change(stored))
        await db.execute(
            "UPDATE app_user SET failed_attempts = 0, locked_until = NULL, password_hash = ? WHERE id = ?",
            [stored, row["id"]],
        )
        await audit.log_action(str(row["username"]), "login", str(row["username"]), f"密码散列升级为 {ITERATIONS} 次")
    else:
        await db.execute("UPDATE app_user SET failed_attempts = 0, locked_until = NULL WHERE id = ?", [row["id"]])
        await audit.log_action(str(row["username"]), "login", str(row["username"]))
    row["password_hash"], row["locked_until"] = stored, None
    return _public(row)


async def change_own_password(username: str, old_password: str, new_password: str) -> dict[str, object]:
    """The holder of an account replaces its password (for the TUI's change dialog and ``renkou passwd``):
    the new one must pass the policy and differ from the old one, which is checked like a login (it counts
    toward the lockout). Clears the forced change. Returns the account as :func:`authenticate` does."""
    check_password_policy(new_password, normalise_username(username))
    if new_password == old_password:
        raise StoreError("新密码不能与原密码相同。")
    user = await authenticate(username, old_password, rehash=False)
    name = str(user["username"])
    await db.execute(
        "UPDATE app_user SET password_hash = ?, failed_attempts = 0, locked_until = NULL WHERE username = ?",
        [hash_password(new_password), name],
    )
    await audit.log_action(name, "user.password", name, "本人修改密码")
    user["must_change_password"] = False
    return user


async def role_of(username: str) -> str | None:
    """The role of an account, or None when there is no such account."""
    row = await _row(username)
    return None if row is None else str(row["role"])


async def account(username: str) -> dict[str, object] | None:
    """An account without its password hash (with ``must_change_password``), or None when there is none."""
    row = await _row(username)
    return None if row is None else _public(row)


async def list_users() -> list[dict[str, object]]:
    """All accounts without their password hashes."""
    rows = await db.fetch_dicts(f"SELECT {_ACCOUNT_COLUMNS} FROM app_user ORDER BY username")
    return [_public(row) for row in rows]


async def _account(username: str) -> dict[str, object]:
    row = await _row(username)
    if row is None:
        raise StoreError(f"没有账号 {printable(normalise_username(username))}。")
    return row


async def set_password(
    username: str, password: str, *, by: str, iterations: int = ITERATIONS, must_change: bool | None = None
) -> None:
    """An admin sets a new password (policy checked); also lifts a lockout. `must_change` None: the holder
    must change it at the next login unless `by` is the holder."""
    user = await _account(username)
    name = str(user["username"])
    check_password_policy(password, name)
    if must_change is None:
        must_change = normalise_username(by) != normalise_username(name)
    await db.execute(
        "UPDATE app_user SET password_hash = ?, failed_attempts = 0, locked_until = NULL WHERE id = ?",
        [hash_password(password, iterations=iterations, must_change=must_change), user["id"]],
    )
    await audit.log_action(by, "user.password", name, "须本人改密" if must_change else "")


async def unlock(username: str, *, by: str) -> None:
    """Lift a lockout after repeated wrong passwords."""
    user = await _account(username)
    await db.execute("UPDATE app_user SET failed_attempts = 0, locked_until = NULL WHERE id = ?", [user["id"]])
    await audit.log_action(by, "user.unlock", str(user["username"]))


async def set_active(username: str, active: bool, *, by: str) -> None:
    """Disable an account (it can no longer log in; its name stays in the audit log) or enable it again.
    The last active admin cannot be disabled."""
    user = await _account(username)
    if not active and user["role"] == "admin":
        admins = await db.scalar("SELECT count(*) FROM app_user WHERE role = 'admin' AND active = ?", [True])
        if int(admins or 0) <= 1:
            raise StoreError("这是最后一个在用的管理员账号，不能停用。请先建立或启用另一个管理员。")
    await db.execute("UPDATE app_user SET active = ? WHERE id = ?", [active, user["id"]])
    await audit.log_action(by, "user.enable" if active else "user.disable", str(user["username"]))


# --- idle lock -------------------------------------------------------------------------------------


async def idle_lock_setting() -> int:
    """The idle-lock limit an admin set for this database (minutes, :data:`IDLE_LOCK_DEFAULT` when unset)."""
    return idle_limit(await schema.get_setting(IDLE_LOCK_SETTING))


async def idle_lock_minutes(environ: dict[str, str] | None = None) -> float:
    """Minutes without a key press before the TUI locks the screen (:func:`store.startup.idle_minutes`)."""
    return idle_minutes(await idle_lock_setting(), environ)


async def set_idle_lock_minutes(minutes: int, *, by: str) -> None:
    """An admin sets the idle-lock limit (1–60 minutes)."""
    low, high = IDLE_LOCK_RANGE
    if not low <= minutes <= high:
        raise StoreError(f"闲置锁屏时间应为 {low} 到 {high} 分钟。")
    await schema.set_setting(IDLE_LOCK_SETTING, str(minutes))
    await audit.log_action(by, "setting", IDLE_LOCK_SETTING, str(minutes))
