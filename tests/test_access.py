"""Who is acting and what they may do (`store.access`): every permission for every role, the demo exemption,
the owner of a database without accounts, and the authentication outcomes."""

from __future__ import annotations

import itertools

import pytest

from store import access, schema, users
from store.access import Action, Actor
from store.errors import StoreError

ROLES = ("operator", "reviewer", "admin", "")  # "": a name without an account on a database with accounts
#: The role matrix of README "Roles and permissions", written out independently of the table: these need an
#: admin (accounts, backup and restore, importing, settings, reopening a month) ...
ADMIN_ONLY = {Action.IMPORT, Action.BACKUP, Action.RESTORE, Action.ACCOUNTS_MANAGE, Action.SETTINGS,
              Action.MONTH_REOPEN}  # fmt: skip
#: ... these a reviewer or an admin (confirmations, sign-off, closing months, full ID numbers, the household
#: file, the sample and its results, reversing a change event) ...
REVIEWERS = {Action.CONFIRM_WARNING, Action.MONTH_CLOSE, Action.MONTH_SIGNOFF, Action.EXPORT_FULL_IDS,
             Action.EXPORT_HOUSEHOLDS, Action.EXPORT_SAMPLE, Action.SAMPLE_RESULTS, Action.REVERSE}  # fmt: skip
#: ... and on a demo database anyone may do these.
DEMO_EXEMPT = {Action.ACCOUNTS_MANAGE}


def actor(role: str, *, is_demo: bool = False) -> Actor:
    return Actor("someone", "某人", role, is_demo=is_demo)


def test_every_action_has_a_rule() -> None:
    assert set(access.PERMISSIONS) == set(Action)
    assert access.Permission is Action


@pytest.mark.parametrize(("action", "role", "is_demo"), list(itertools.product(Action, ROLES, (False, True))))
def test_every_permission_for_every_role(action: Action, role: str, is_demo: bool) -> None:
    expected = (
        role == "admin"
        or (action in REVIEWERS and role == "reviewer")
        or action not in ADMIN_ONLY | REVIEWERS
        or (is_demo and action in DEMO_EXEMPT)
    )
    who = actor(role, is_demo=is_demo)
    assert access.may(who, action) is expected
    if expected:
        access.require(who, action)
    else:
        with pytest.raises(access.AccessDenied) as refused:
            access.require(who, action)
        assert isinstance(refused.value, StoreError)
        if action in REVIEWERS:
            assert str(refused.value) == f"{who.role_label}不能{action.value}。"
        else:
            assert str(refused.value) == f"只有管理员可以{action.value}。"


def test_the_refusals_are_the_messages_users_know() -> None:
    assert access.refusal(actor("operator"), Action.ACCOUNTS_MANAGE) == "只有管理员可以管理账号。"
    assert access.refusal(actor("reviewer"), Action.RESTORE) == "只有管理员可以恢复数据库。"
    assert access.refusal(actor("operator"), Action.BACKUP) == "只有管理员可以备份数据库。"
    assert access.refusal(actor("operator"), Action.CONFIRM_WARNING) == "录入员不能确认预警。"


def test_the_first_admin_may_everything() -> None:
    owner = access.first_admin("zhangsan")
    assert owner.is_first_admin and owner.role == "admin" and owner.username == "zhangsan"
    assert all(access.may(owner, action) for action in Action)
    assert access.first_admin().username == users.os_user()


def test_the_first_account_must_be_an_admin() -> None:
    owner = access.first_admin("zhangsan")
    access.require_new_account(owner, "admin")
    with pytest.raises(access.AccessDenied, match="第一个账号必须是管理员"):
        access.require_new_account(owner, "operator")
    access.require_new_account(actor("admin"), "operator")
    with pytest.raises(access.AccessDenied, match="只有管理员可以管理账号"):
        access.require_new_account(actor("reviewer"), "operator")


def never() -> str:
    raise AssertionError("no password is needed here")


async def test_a_database_without_accounts_is_its_owners(store_db: object) -> None:
    who = await access.who_is_acting("whoever", never)
    assert who == access.first_admin()
    assert not await access.login_needed()
    assert (await access.actor_for("clerk")).is_first_admin


async def test_demo_databases_need_no_password(store_db: object) -> None:
    await users.create_user("demo", "演示管理员", "demo", "admin", iterations=1000, check_policy=False)
    await users.create_user("clerk", "李敏", "secret123", "operator", "430426101", iterations=1000)
    await schema.set_setting("demo", "1")
    assert not await access.login_needed()
    demo = await access.who_is_acting(None, never)
    assert (demo.username, demo.role, demo.is_demo) == ("demo", "admin", True)
    clerk = await access.who_is_acting("clerk", never)
    assert (clerk.role, clerk.unit_codes, clerk.is_demo) == ("operator", ("430426101",), True)
    assert access.may(clerk, Action.ACCOUNTS_MANAGE)  # the demo exemption
    assert not access.may(clerk, Action.RESTORE) and not access.may(clerk, Action.EXPORT_FULL_IDS)
    stranger = await access.who_is_acting("visitor", never)
    assert stranger.role == "admin" and stranger.is_demo


async def test_accounts_need_a_login(store_db: object) -> None:
    await users.create_user("boss", "王主任", "secret123", "admin", iterations=1000)
    await users.create_user("clerk", "李敏", "secret123", "operator", "430426101201", iterations=1000)
    assert await access.login_needed()
    with pytest.raises(access.LoginRequired):
        await access.who_is_acting(None, never)
    with pytest.raises(access.LoginRequired):
        await access.who_is_acting("clerk", None)
    with pytest.raises(StoreError, match="用户名或密码错误"):
        await access.who_is_acting("clerk", "wrong")
    clerk = await access.who_is_acting("clerk", lambda: "secret123")
    assert clerk == Actor("clerk", "李敏", "operator", ("430426101201",))
    assert not access.may(clerk, Action.ACCOUNTS_MANAGE) and access.may(clerk, Action.EXPORT)
    boss = await access.who_is_acting("boss", "secret123")
    assert boss.role == "admin" and not boss.is_first_admin and boss.unit_codes == ()
    assert access.may(boss, Action.EXPORT_FULL_IDS)


async def test_actor_for_a_name_already_logged_in(store_db: object) -> None:
    await users.create_user("boss", "王主任", "secret123", "admin", iterations=1000)
    assert (await access.actor_for("boss")).role == "admin"
    nobody = await access.actor_for("osuser")  # the owner after the first account was made
    assert nobody.role == "" and nobody.role_label == "无账号"
    assert access.may(nobody, Action.EXPORT) and not access.may(nobody, Action.EXPORT_FULL_IDS)
    assert access.may(await access.actor_for("osuser", is_demo=True), Action.ACCOUNTS_MANAGE)
