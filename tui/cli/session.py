"""Who is acting on the command line (`store.access` decides; this module asks for the password) and what the
commands share: passwords from the environment or the terminal, progress on stderr."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.cli.errors import CliError

if TYPE_CHECKING:
    from store.access import Action, Actor


def progress(label: str) -> Callable[[int, int], None] | None:
    """A one-line progress display on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r{label} {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def shown(text: object) -> str:
    """A username, real name or other stored text safe to print (control and ANSI characters escaped)."""
    from store.users import printable

    return printable(text)


def login_password(username: str, prompt: str = "的密码") -> str:
    """The password of `username` from ``RENKOU_PASSWORD`` or typed at the terminal."""
    password = os.environ.get("RENKOU_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise CliError("需要密码：请在终端中运行以便输入，或设置环境变量 RENKOU_PASSWORD。")
    import getpass

    return getpass.getpass(f"{shown(username)} {prompt}：")


async def acting(args: argparse.Namespace, action: Action | None = None) -> Actor:
    """Who is acting on the open database (``--user`` and a password once it has accounts, see
    `store.access.who_is_acting`); with `action`, refused (and logged) unless they may take it. An account
    whose password an admin set is refused every command until its holder has run ``renkou passwd``. The
    actor carries the account's units (``Actor.scope``): commands pass it on so that they see and change
    only those (`store.scope`)."""
    from store import access

    try:
        actor = await access.who_is_acting(args.user, lambda: login_password(args.user))
    except access.LoginRequired:
        raise CliError("数据库已设账号，请用 --user 指定用户名（密码从提示或 RENKOU_PASSWORD 读取）。") from None
    if actor.must_change_password:
        name = shown(actor.username)
        raise CliError(
            f"账号 {name} 的密码是管理员设置的，须先改成只有本人知道的新密码：请运行 renkou passwd --user {name}。"
        )
    if action is not None:
        await access.enforce(actor, action)  # a refusal is logged
    return actor


def new_password(nothing_done: str) -> str:
    """A new password from ``RENKOU_NEW_PASSWORD`` or typed twice at the terminal."""
    password = os.environ.get("RENKOU_NEW_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise CliError("需要新密码：请在终端中运行以便输入，或设置环境变量 RENKOU_NEW_PASSWORD。")
    import getpass

    password = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != password:
        raise CliError(f"两次输入的密码不一致，{nothing_done}。")
    return password
