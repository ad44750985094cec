"""``renkou user add|list|passwd|unlock|disable|enable``: real-name accounts (admins only, see `store.access`)."""

from __future__ import annotations

import argparse

from tui.cli.errors import CliError
from tui.cli.session import acting, new_password


async def cmd_user(args: argparse.Namespace) -> int:
    """List the accounts, or change one as an admin (the owner of a database without accounts makes the first)."""
    from store import access, db, users
    from store.access import Action

    async with db.database(args.db):
        if args.action == "list":
            for u in await users.list_users():
                role = users.ROLES.get(str(u["role"]), u["role"])
                state = "" if u["active"] else "（停用）"
                print(f"{u['username']}\t{u['real_name']}\t{role}\t{u['unit_code'] or ''}{state}")
            return 0
        actor = await acting(args, Action.ACCOUNTS_MANAGE)
        operator = actor.username
        if args.action == "passwd":
            await users.set_password(args.username, new_password("密码未改"), by=operator)
            print(f"已为 {args.username} 设置新密码。")
        elif args.action == "unlock":
            await users.unlock(args.username, by=operator)
            print(f"已解除 {args.username} 的锁定。")
        elif args.action in ("disable", "enable"):
            await users.set_active(args.username, args.action == "enable", by=operator)
            print(f"已{'启用' if args.action == 'enable' else '停用'}账号 {args.username}。")
        else:
            await access.enforce(actor, Action.ACCOUNTS_MANAGE, new_role=args.role)  # a refusal is logged
            password = new_password("账号未建立")
            if len(password) < 6:
                raise CliError("密码至少 6 位。")
            await users.create_user(args.username, args.name, password, args.role, args.unit, by=operator)
            print(f"已建立账号 {args.username}（{users.ROLES[args.role]}）。")
    return 0
