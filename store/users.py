"""Real-name accounts: password hashing (PBKDF2-SHA256), roles, lockout. Who is acting and what they may do
is decided in `store.access`."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import os
import secrets

from store import audit, db
from store.errors import StoreError

ROLES = {"operator": "录入员", "reviewer": "审核员", "admin": "管理员"}
ITERATIONS = 390_000
MAX_FAILURES = 5
LOCK_MINUTES = 15


def hash_password(password: str, *, iterations: int = ITERATIONS) -> str:
    """A salted PBKDF2-SHA256 hash in ``pbkdf2_sha256$iterations$salt$hash`` form."""
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches a hash made by :func:`hash_password` (constant-time compare)."""
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations)).hex()
    return hmac.compare_digest(candidate, digest)


async def count_users() -> int:
    """How many accounts exist."""
    return int(await db.scalar("SELECT count(*) FROM app_user") or 0)


async def create_user(
    username: str,
    real_name: str,
    password: str,
    role: str = "operator",
    unit_code: str | None = None,
    *,
    by: str = "system",
    iterations: int = ITERATIONS,
) -> None:
    """Create an account; raises :class:`StoreError` for a taken name or an unknown role."""
    if role not in ROLES:
        raise StoreError(f"角色 {role} 无效，应为 operator（录入员）、reviewer（审核员）或 admin（管理员）。")
    if not username.strip() or not real_name.strip():
        raise StoreError("用户名和真实姓名都不能为空。")
    if await db.scalar("SELECT 1 FROM app_user WHERE username = ?", [username]):
        raise StoreError(f"用户名 {username} 已存在。")
    await db.execute(
        "INSERT INTO app_user (username, real_name, password_hash, role, unit_code, failed_attempts, active, "
        "created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
        [username, real_name, hash_password(password, iterations=iterations), role, unit_code, True,
         dt.datetime.now().replace(microsecond=0)],
    )  # fmt: skip
    await audit.log_action(by, "user.create", username, f"role={role} unit={unit_code or ''}")


async def authenticate(username: str, password: str) -> dict[str, object]:
    """The account row when the password is right; counts failures and locks after repeated ones."""
    rows = await db.fetch_dicts("SELECT * FROM app_user WHERE username = ?", [username])
    now = dt.datetime.now().replace(microsecond=0)
    if not rows or not rows[0]["active"]:
        await audit.log_action(username, "login.failed", username, "unknown or inactive account")
        raise StoreError("用户名或密码错误。")
    user = rows[0]
    locked_until = user["locked_until"]
    if locked_until is not None and locked_until > now:
        raise StoreError(f"账号 {username} 因多次密码错误已锁定，请于 {locked_until:%H:%M} 后再试，或请管理员解锁。")
    if not check_password(password, str(user["password_hash"])):
        failures = int(user["failed_attempts"] or 0) + 1
        lock = now + dt.timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
        await db.execute(
            "UPDATE app_user SET failed_attempts = ?, locked_until = ? WHERE id = ?",
            [0 if lock else failures, lock, user["id"]],
        )
        await audit.log_action(username, "login.failed", username, f"attempt {failures}")
        raise StoreError("用户名或密码错误。")
    await db.execute("UPDATE app_user SET failed_attempts = 0, locked_until = NULL WHERE id = ?", [user["id"]])
    await audit.log_action(username, "login", username)
    return user


def os_user() -> str:
    """The operating-system account name, used when the database has no accounts."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


async def role_of(username: str) -> str | None:
    """The role of an account, or None when there is no such account."""
    value = await db.scalar("SELECT role FROM app_user WHERE username = ?", [username])
    return None if value is None else str(value)


async def account(username: str) -> dict[str, object] | None:
    """An account without its password hash, or None when there is no such account."""
    rows = await db.fetch_dicts(
        "SELECT username, real_name, role, unit_code, active, locked_until FROM app_user WHERE username = ?", [username]
    )
    return rows[0] if rows else None


async def list_users() -> list[dict[str, object]]:
    """All accounts without their password hashes."""
    return await db.fetch_dicts(
        "SELECT username, real_name, role, unit_code, active, locked_until FROM app_user ORDER BY username"
    )


async def _account(username: str) -> dict[str, object]:
    rows = await db.fetch_dicts("SELECT id, username, active FROM app_user WHERE username = ?", [username])
    if not rows:
        raise StoreError(f"没有账号 {username}。")
    return rows[0]


async def set_password(username: str, password: str, *, by: str, iterations: int = ITERATIONS) -> None:
    """A new password (at least 6 characters); also lifts a lockout."""
    if len(password) < 6:
        raise StoreError("密码至少 6 位。")
    user = await _account(username)
    await db.execute(
        "UPDATE app_user SET password_hash = ?, failed_attempts = 0, locked_until = NULL WHERE id = ?",
        [hash_password(password, iterations=iterations), user["id"]],
    )
    await audit.log_action(by, "user.password", username)


async def unlock(username: str, *, by: str) -> None:
    """Lift a lockout after repeated wrong passwords."""
    user = await _account(username)
    await db.execute("UPDATE app_user SET failed_attempts = 0, locked_until = NULL WHERE id = ?", [user["id"]])
    await audit.log_action(by, "user.unlock", username)


async def set_active(username: str, active: bool, *, by: str) -> None:
    """Disable an account (it can no longer log in; its name stays in the audit log) or enable it again.
    The last active admin cannot be disabled."""
    user = await _account(username)
    if not active and await role_of(username) == "admin":
        admins = await db.scalar("SELECT count(*) FROM app_user WHERE role = 'admin' AND active = ?", [True])
        if int(admins or 0) <= 1:
            raise StoreError("这是最后一个在用的管理员账号，不能停用。请先建立或启用另一个管理员。")
    await db.execute("UPDATE app_user SET active = ? WHERE id = ?", [active, user["id"]])
    await audit.log_action(by, "user.enable" if active else "user.disable", username)
