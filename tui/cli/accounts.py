"""``renkou user add|list|passwd|unlock|disable|enable`` (admins, see `store.access`), ``renkou passwd`` (one's
own password) and ``renkou settings idle-lock`` (admins): accounts and how sessions are kept safe."""

from __future__ import annotations

import argparse

from tui.cli.errors import CliError
from tui.cli.session import acting, login_password, new_password, shown


def _state(account: dict[str, object]) -> str:
    notes = []
    if not account["active"]:
        notes.append("停用")
    locked = account.get("locked_until")
    if locked is not None and hasattr(locked, "strftime"):
        import datetime as dt

        if locked > dt.datetime.now():
            notes.append(f"锁定至 {locked:%H:%M}")
    if account.get("must_change_password"):
        notes.append("须本人改密码")
    return f"（{'，'.join(notes)}）" if notes else ""


async def cmd_user(args: argparse.Namespace) -> int:
    """List the accounts, or change one as an admin (the owner of a database without accounts makes the first)."""
    from store import access, db, users
    from store.access import Action

    async with db.database(args.db, create=args.action == "add"):  # only the first account may make a database
        if args.action == "list":
            await acting(args, Action.ACCOUNTS_MANAGE)
            for u in await users.list_users():
                role = users.ROLES.get(str(u["role"]), u["role"])
                unit = shown(u["unit_code"] or "")
                print(f"{shown(u['username'])}\t{shown(u['real_name'])}\t{role}\t{unit}{_state(u)}")
            return 0
        actor = await acting(args, Action.ACCOUNTS_MANAGE)
        operator = actor.username
        name = shown(users.normalise_username(args.username))
        if args.action == "passwd":
            await users.set_password(args.username, new_password("密码未改"), by=operator)
            own = users.normalise_username(args.username) == users.normalise_username(operator)
            print(f"已为 {name} 设置新密码。" + ("" if own else "对方下次登录时须先改成只有本人知道的密码。"))
        elif args.action == "unlock":
            await users.unlock(args.username, by=operator)
            print(f"已解除 {name} 的锁定。")
        elif args.action in ("disable", "enable"):
            await users.set_active(args.username, args.action == "enable", by=operator)
            print(f"已{'启用' if args.action == 'enable' else '停用'}账号 {name}。")
        else:
            await access.enforce(actor, Action.ACCOUNTS_MANAGE, new_role=args.role)  # a refusal is logged
            users.check_username(args.username)  # before asking for a password
            password = new_password("账号未建立")
            own = actor.is_first_admin or actor.is_demo  # the owner chose their own password; demos take none
            await users.create_user(args.username, args.name, password, args.role, args.unit, by=operator,
                                    must_change=False if own else None)  # fmt: skip
            print(f"已建立账号 {name}（{users.ROLES[args.role]}）。")
    return 0


async def cmd_passwd(args: argparse.Namespace) -> int:
    """Change one's own password: the current one (``RENKOU_PASSWORD`` or typed), the new one twice (or
    ``RENKOU_NEW_PASSWORD``). The only command an account whose password an admin set may run."""
    from store import access, db, users

    async with db.database(args.db, create=False):
        if not await access.login_needed():
            raise CliError("这个数据库没有账号（或是演示数据库），不用密码。")
        if not args.user:
            raise CliError(
                "请用 --user 指定用户名（原密码从提示或 RENKOU_PASSWORD、新密码从提示或 RENKOU_NEW_PASSWORD 读取）。"
            )
        old = login_password(args.user, "的原密码")
        user = await users.change_own_password(args.user, old, new_password("密码未改"))
    print(f"已修改 {shown(user['username'])} 的密码。")
    return 0


async def cmd_settings(args: argparse.Namespace) -> int:
    """``renkou settings idle-lock [MINUTES]``: show the idle-lock limit, or set it (admins);
    ``renkou settings stat-year [1|10]``: the month the statistical year starts in."""
    from store import db, users
    from store.access import Action

    if args.setting == "stat-year":
        return await _stat_year(args)
    async with db.database(args.db, create=False):
        if args.minutes is None:
            await acting(args, Action.VIEW)
            print(f"闲置 {await users.idle_lock_setting()} 分钟后锁屏。")
            return 0
        actor = await acting(args, Action.SETTINGS)
        await users.set_idle_lock_minutes(args.minutes, by=actor.username)
    print(f"已设置：闲置 {args.minutes} 分钟后锁屏（对所有用户生效，下次打开程序时起）。")
    return 0


def stat_year_text(start: int) -> str:
    """How the statistical year reads: ``1 月至 12 月`` or ``上年 10 月至本年 9 月``."""
    return "1 月至 12 月" if start == 1 else "上年 10 月至本年 9 月"


async def _stat_year(args: argparse.Namespace) -> int:
    """Show the statistical year, or set its first month (admins, logged)."""
    from store import db, stat_year
    from store.access import Action

    async with db.database(args.db, create=False):
        if args.start is None:
            await acting(args, Action.VIEW)
            print(f"统计年度：{stat_year_text(await stat_year.stat_year_start())}。")
            return 0
        actor = await acting(args, Action.SETTINGS)
        await stat_year.set_stat_year_start(args.start, by=actor.username)
    print(f"已设置统计年度：{stat_year_text(args.start)}（半年报、年报和本年累计按此计算），已记入操作日志。")
    return 0
