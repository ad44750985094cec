"""Who is acting and what they may do: the one place the CLI and the TUI ask (design §4).

:func:`who_is_acting` turns the state of the database and a login into an :class:`Actor`: the operating-system
user on a database without accounts (acting as its first admin), anyone on a demo database (no password), else
an authenticated account. :data:`PERMISSIONS` says which roles may take each :class:`Action`; :func:`may` and
:func:`require` read it. A new rule, role or unit scope is a change of that table, nowhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from store import audit, schema, users
from store.errors import StoreError

ADMIN = "admin"
EVERY_ROLE = frozenset(users.ROLES)


class AccessDenied(StoreError):
    """The actor may not take this action; ``str(error)`` says so in Chinese. ``actor`` and ``action``: who was
    refused what (None when not known)."""

    def __init__(self, message: str, actor: Actor | None = None, action: Action | None = None) -> None:
        super().__init__(message)
        self.actor, self.action = actor, action


class LoginRequired(StoreError):
    """The database has accounts and nobody has logged in."""


@dataclass(frozen=True)
class Actor:
    """Who is acting. ``role`` is a key of :data:`store.users.ROLES`, or ``""`` for a name without an account
    on a database that has accounts. ``unit_codes`` empty: the whole database (unit scope comes later)."""

    username: str
    real_name: str
    role: str
    unit_codes: tuple[str, ...] = ()
    is_demo: bool = False
    is_first_admin: bool = False
    #: the password was set by an admin (new account or reset): the holder must change it before anything else
    #: (the CLI refuses other commands; the TUI shows its change-password dialog first)
    must_change_password: bool = False

    @property
    def role_label(self) -> str:
        """The role in Chinese (录入员, 审核员, 管理员), or 无账号."""
        return users.ROLES.get(self.role, "无账号")


class Action(enum.Enum):
    """Something an actor does that a role may be refused; the value is its Chinese name."""

    VIEW = "查看人员信息"
    EDIT = "录入和修改数据"
    IMPORT = "导入数据"
    EXPORT = "导出数据"
    EXPORT_FULL_IDS = "导出完整的身份证号"
    CHECK = "运行逻辑审核"
    CHECK_JSON = "输出审核结果（含身份证号）"
    QUALITY = "查看质量指标"
    CONFIRM_WARNING = "确认预警"
    SAMPLE_RESULTS = "导入抽查结果"
    VIEW_LOG = "查看操作日志"
    BACKUP = "备份数据库"
    RESTORE = "恢复数据库"
    ACCOUNTS_MANAGE = "管理账号"
    SETTINGS = "修改系统设置"
    MONTH_CLOSE = "封账"
    MONTH_REOPEN = "重新打开已封账的月份"
    MONTH_SIGNOFF = "审核签字"


Permission = Action


@dataclass(frozen=True)
class Rule:
    """Which roles may take an action; ``demo_exempt``: anyone may on a demo database."""

    roles: frozenset[str]
    demo_exempt: bool = False


_ADMIN_ONLY = frozenset({ADMIN})
#: reviewers (审核员) and admins: closing and signing off months
_REVIEWERS = frozenset({"reviewer", ADMIN})

#: The permission table (today's rules: admins manage accounts, restore and see full ID numbers; the rest is
#: open to every role; on a demo database anyone manages accounts).
PERMISSIONS: Mapping[Action, Rule] = MappingProxyType(
    {
        Action.VIEW: Rule(EVERY_ROLE),
        Action.EDIT: Rule(EVERY_ROLE),
        Action.IMPORT: Rule(EVERY_ROLE),
        Action.EXPORT: Rule(EVERY_ROLE),
        Action.EXPORT_FULL_IDS: Rule(_ADMIN_ONLY),
        Action.CHECK: Rule(EVERY_ROLE),
        Action.CHECK_JSON: Rule(EVERY_ROLE),
        Action.QUALITY: Rule(EVERY_ROLE),
        Action.CONFIRM_WARNING: Rule(EVERY_ROLE),
        Action.SAMPLE_RESULTS: Rule(EVERY_ROLE),
        Action.VIEW_LOG: Rule(EVERY_ROLE),
        Action.BACKUP: Rule(EVERY_ROLE),
        Action.RESTORE: Rule(_ADMIN_ONLY),
        Action.ACCOUNTS_MANAGE: Rule(_ADMIN_ONLY, demo_exempt=True),
        Action.SETTINGS: Rule(_ADMIN_ONLY),
        Action.MONTH_CLOSE: Rule(_REVIEWERS),
        Action.MONTH_REOPEN: Rule(_ADMIN_ONLY),
        Action.MONTH_SIGNOFF: Rule(_REVIEWERS),
    }
)


def may(actor: Actor, action: Action) -> bool:
    """Whether `actor` may take `action`. A name without an account (role ``""``) may only what every role may."""
    rule = PERMISSIONS[action]
    if actor.is_demo and rule.demo_exempt:
        return True
    return actor.role in rule.roles or (not actor.role and rule.roles >= EVERY_ROLE)


def refusal(actor: Actor, action: Action) -> str:
    """The Chinese message when `actor` may not take `action`."""
    if PERMISSIONS[action].roles == _ADMIN_ONLY:
        return f"只有管理员可以{action.value}。"
    return f"{actor.role_label}不能{action.value}。"


def require(actor: Actor, action: Action) -> None:
    """Raise :class:`AccessDenied` unless `actor` may take `action` (see :func:`enforce`, which also logs the
    refusal: the audit log is written asynchronously, this check is not)."""
    if not may(actor, action):
        raise AccessDenied(refusal(actor, action), actor, action)


async def log_refusal(actor: Actor, action: Action, message: str | None = None) -> None:
    """Append a refused attempt to the audit log: who, which action, and the message they were shown."""
    await audit.log_action(actor.username, "access.denied", action.name.lower(),
                           f"{action.value}：{message or refusal(actor, action)}（{actor.role_label}）")  # fmt: skip


async def enforce(actor: Actor, action: Action, *, new_role: str | None = None) -> None:
    """:func:`require` (or :func:`require_new_account` with `new_role`), the refusal logged in the audit log
    before :class:`AccessDenied` goes up. Every caller that can await uses this."""
    try:
        if new_role is None:
            require(actor, action)
        else:
            require_new_account(actor, new_role)
    except AccessDenied as refused:
        await log_refusal(actor, action, str(refused))
        raise


def require_new_account(actor: Actor, role: str) -> None:
    """Creating an account with `role`: admins only, and the first account of a database (made by its owner)
    must be an admin, or nobody could manage the accounts afterwards."""
    require(actor, Action.ACCOUNTS_MANAGE)
    if actor.is_first_admin and role != ADMIN:
        raise AccessDenied("数据库还没有账号：第一个账号必须是管理员，否则以后没有人能管理账号。", actor,
                           Action.ACCOUNTS_MANAGE)  # fmt: skip


def first_admin(username: str | None = None) -> Actor:
    """The owner of a database without accounts (the operating-system user unless named): acts as admin."""
    name = username or users.os_user()
    return Actor(name, name, ADMIN, is_first_admin=True)


def _from_account(account: Mapping[str, object], *, is_demo: bool) -> Actor:
    unit = account.get("unit_code")
    must_change = bool(account.get("must_change_password")) and not is_demo  # demo databases take no passwords
    return Actor(str(account["username"]), str(account["real_name"]), str(account["role"]),
                 (str(unit),) if unit else (), is_demo=is_demo, must_change_password=must_change)  # fmt: skip


async def is_demo_database() -> bool:
    """Whether the open database was made by ``renkou demo`` (no passwords needed)."""
    return await schema.get_setting("demo") == "1"


async def login_needed() -> bool:
    """Whether acting needs a password: the database has accounts and is not a demo."""
    return await users.count_users() > 0 and not await is_demo_database()


async def actor_for(username: str, *, is_demo: bool | None = None) -> Actor:
    """The actor of a name that needs no password now: one already authenticated (TUI after login), the owner
    of a database without accounts, or anyone on a demo database (a name without an account acts as admin
    there). `is_demo` None: read it from the database."""
    if await users.count_users() == 0:
        return first_admin(username)
    demo = await is_demo_database() if is_demo is None else is_demo
    account = await users.account(username)
    if account is not None:
        return _from_account(account, is_demo=demo)
    return Actor(username, username, ADMIN if demo else "", is_demo=demo)


async def who_is_acting(username: str | None, password: str | Callable[[], str] | None = None) -> Actor:
    """The authentication outcome: the operating-system user on a database without accounts, `username` (or
    the demo account) without a password on a demo database, else the account that `password` authenticates.
    `password` may be a function, called only when a password is needed. Raises :class:`LoginRequired`
    without a username or password, :class:`StoreError` for a wrong one (counted toward the lockout)."""
    if await users.count_users() == 0:
        return first_admin()
    if await is_demo_database():
        from store.demo_build import DEMO_USER  # only demo databases pay for importing the demo builder

        return await actor_for(username or DEMO_USER, is_demo=True)
    if not username:
        raise LoginRequired("数据库已设账号，请先登录。")
    secret = password() if callable(password) else password
    if secret is None:
        raise LoginRequired(f"请输入 {username} 的密码。")
    return _from_account(await users.authenticate(username, secret), is_demo=False)
