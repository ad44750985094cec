"""Who is acting and what they may do: the one place the CLI and the TUI ask (design §4).

:func:`who_is_acting` turns the state of the database and a login into an :class:`Actor`: the operating-system
user on a database without accounts (acting as its first admin), anyone on a demo database (no password), else
an authenticated account. :data:`PERMISSIONS` says which roles may take each :class:`Action`; :func:`may` and
:func:`require` read it. A new rule or role is a change of that table, nowhere else.

Unit scope: an actor's :attr:`Actor.scope` (its units' code prefixes; empty = all) limits every record it
sees or changes. The store's queries filter with `store.scope`; the decisions with a Chinese refusal are here:
:func:`require_in_scope` / :func:`enforce_in_scope` (households), :func:`enforce_records` (a save) and
:func:`unit_within` (the unit of a command or export). Every ``enforce…`` logs its refusal.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from store import audit, schema, scope, users
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
    on a database that has accounts. ``unit_codes``: the account's units (code prefixes, `store.scope`); empty
    is the whole database (a county admin)."""

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
    def scope(self) -> tuple[str, ...]:
        """The unit-code prefixes of the records this actor may see and change (``()``: all), see `store.scope`."""
        return self.unit_codes

    @property
    def role_label(self) -> str:
        """The role in Chinese (录入员, 审核员, 管理员), or 无账号."""
        return users.ROLES.get(self.role, "无账号")


class Action(enum.Enum):
    """Something an actor does that a role may be refused; the value is its Chinese name."""

    VIEW = "查看人员信息"
    EDIT = "录入和修改数据"
    IMPORT = "导入数据"
    EXPORT = "导出月报表和问题清单"
    EXPORT_HOUSEHOLDS = "导出户文件（含完整身份证号）"
    EXPORT_SAMPLE = "导出抽查表（含完整身份证号）"
    EXPORT_FULL_IDS = "导出完整的身份证号"
    CHECK = "运行逻辑审核"
    CHECK_JSON = "以 JSON 输出审核结果"
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
    REVERSE = "撤销错误的变动"


Permission = Action


@dataclass(frozen=True)
class Rule:
    """Which roles may take an action; ``demo_exempt``: anyone may on a demo database."""

    roles: frozenset[str]
    demo_exempt: bool = False


_ADMIN_ONLY = frozenset({ADMIN})
#: reviewers (审核员) and admins: confirmations, sign-off, month close, full ID numbers
_REVIEWERS = frozenset({"reviewer", ADMIN})

#: The permission table: the role matrix of README "Roles and permissions" (keep the two in step). Every role
#: sees, edits, audits and exports only the records of its units (`store.scope`); operators (录入员) get ID
#: numbers masked in every export and in ``check --json``. On a demo database anyone manages accounts.
PERMISSIONS: Mapping[Action, Rule] = MappingProxyType(
    {
        Action.VIEW: Rule(EVERY_ROLE),
        Action.EDIT: Rule(EVERY_ROLE),
        Action.IMPORT: Rule(_ADMIN_ONLY),
        Action.EXPORT: Rule(EVERY_ROLE),
        Action.EXPORT_HOUSEHOLDS: Rule(_REVIEWERS),
        Action.EXPORT_SAMPLE: Rule(_REVIEWERS),
        Action.EXPORT_FULL_IDS: Rule(_REVIEWERS),
        Action.CHECK: Rule(EVERY_ROLE),
        Action.CHECK_JSON: Rule(EVERY_ROLE),
        Action.QUALITY: Rule(EVERY_ROLE),
        Action.CONFIRM_WARNING: Rule(_REVIEWERS),
        Action.SAMPLE_RESULTS: Rule(_REVIEWERS),
        Action.VIEW_LOG: Rule(EVERY_ROLE),
        Action.BACKUP: Rule(_ADMIN_ONLY),
        Action.RESTORE: Rule(_ADMIN_ONLY),
        Action.ACCOUNTS_MANAGE: Rule(_ADMIN_ONLY, demo_exempt=True),
        Action.SETTINGS: Rule(_ADMIN_ONLY),
        Action.MONTH_CLOSE: Rule(_REVIEWERS),
        Action.MONTH_REOPEN: Rule(_ADMIN_ONLY),
        Action.MONTH_SIGNOFF: Rule(_REVIEWERS),
        Action.REVERSE: Rule(_REVIEWERS),  # a reversal corrects the returns: in the actor's units (store.reversal)
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
    units = users.parse_units(account.get("unit_code"))
    must_change = bool(account.get("must_change_password")) and not is_demo  # demo databases take no passwords
    return Actor(str(account["username"]), str(account["real_name"]), str(account["role"]),
                 units, is_demo=is_demo, must_change_password=must_change)  # fmt: skip


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


# --- unit scope ----------------------------------------------------------------------------------------------

#: what an actor is told about a household outside its units (the household is not named)
OUT_OF_SCOPE = "这一户不在本账号负责的单位（{units}）内，不能{what}。"


def _units_text(who: scope.Who) -> str:
    return "、".join(scope.prefixes(who))


def require_in_scope(who: scope.Who, household_codes: Iterable[str], what: str = "查看或修改") -> None:
    """Raise :class:`AccessDenied` when one of the households lies outside the actor's units."""
    for code in household_codes:
        if not scope.in_scope(who, code):
            actor = who if isinstance(who, Actor) else None
            action = Action.EDIT if "修改" in what else Action.VIEW
            raise AccessDenied(OUT_OF_SCOPE.format(units=_units_text(who), what=what), actor, action)


async def _refused(who: scope.Who, refused: AccessDenied) -> None:
    if isinstance(who, Actor):
        await log_refusal(who, refused.action or Action.VIEW, str(refused))


async def enforce_in_scope(who: scope.Who, household_codes: Iterable[str], what: str = "查看或修改") -> None:
    """:func:`require_in_scope`, the refusal logged in the audit log (when `who` is an actor)."""
    try:
        require_in_scope(who, list(household_codes), what)
    except AccessDenied as refused:
        await _refused(who, refused)
        raise


async def enforce_records(who: scope.Who, records: Iterable[Mapping[str, Any]]) -> None:
    """Refuse (and log) a save that writes a household outside the actor's units (its own households and those
    its members move from)."""
    await enforce_in_scope(who, scope.record_codes(records), "修改")


async def unit_within(who: scope.Who, unit: str | None, *, what: str = "导出") -> str:
    """The unit a command works on: `unit` when it lies within the actor's units; none given is the actor's own
    unit (``""`` = all for an actor without units; one with several units must name one). A refusal is
    logged."""
    prefixes = scope.prefixes(who)
    unit = (unit or "").strip()
    if not prefixes:
        return unit
    if not unit and len(prefixes) == 1:
        return prefixes[0]
    if unit and any(unit.startswith(p) for p in prefixes):
        return unit
    if unit:
        message = f"单位 {unit} 不在本账号负责的单位（{_units_text(who)}）内，不能{what}。"
    else:
        message = f"本账号负责多个单位（{_units_text(who)}），请用 --unit 指定其中一个。"
    refused = AccessDenied(message, who if isinstance(who, Actor) else None, Action.VIEW)
    await _refused(who, refused)
    raise refused
