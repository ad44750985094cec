"""``renkou month close|reopen|status|signoff``: closing reporting months (封账) and reviewers' sign-offs."""

from __future__ import annotations

import argparse

from tui.cli.session import acting, progress, shown


async def cmd_month(args: argparse.Namespace) -> int:
    """Dispatch ``renkou month``."""
    from store import db

    async with db.database(args.db, create=False):
        return await _ACTIONS[args.month_action](args)


async def _close(args: argparse.Namespace) -> int:
    from store import access
    from store.access import Action
    from tui import services

    actor = await acting(args, Action.MONTH_CLOSE)
    unit = await access.unit_within(actor, args.unit, what="封账")
    result = await services.close_month(args.month, actor.username, unit, force=args.force,
                                        progress=progress("封账"))  # fmt: skip
    closed = result.closed
    print(f"已封账：{shown(result.unit.name)} {closed.month}，封账人 {shown(closed.closed_by)}，"
          f"{closed.closed_at:%Y-%m-%d %H:%M}，校验码 {closed.digest[:16]}…")  # fmt: skip
    if result.unsigned:
        names = "、".join(shown(name) for _, name in result.unsigned)
        print(f"注意：以下 {len(result.unsigned)} 个村没有审核签字，已按 --force 封账：{names}")
    return 0


async def _reopen(args: argparse.Namespace) -> int:
    from store import access
    from store.access import Action
    from tui import services

    actor = await acting(args, Action.MONTH_REOPEN)
    unit = await access.unit_within(actor, args.unit, what="重新打开")
    closed = await services.reopen_month(args.month, unit, args.reason, actor.username)
    print(f"已重新打开：{closed.unit_code or '全部'} {closed.month}（理由：{shown(args.reason)}），已记入操作日志。"
          "重新封账时按当时的数据重新计算。")  # fmt: skip
    return 0


async def _status(args: argparse.Namespace) -> int:
    from store import access
    from store.access import Action
    from tui import services

    actor = await acting(args, Action.VIEW)
    closes = await services.month_history(await access.unit_within(actor, args.unit, what="查看"))
    if not closes:
        print("没有封账的月份（各月都未封账）。")
        return 0
    print("单位\t月份\t状态\t封账人\t封账时间\t重新打开")
    for c in closes:
        state = "已封账" if c.is_closed else "已重新打开"
        again = ""
        if c.reopened_at is not None:
            again = f"{shown(c.reopened_by)} {c.reopened_at:%Y-%m-%d %H:%M} 理由：{shown(c.reopen_reason)}"
        print(
            f"{c.unit_code or '全部'}\t{c.month}\t{state}\t{shown(c.closed_by)}\t{c.closed_at:%Y-%m-%d %H:%M}\t{again}"
        )
    return 0


async def _signoff(args: argparse.Namespace) -> int:
    from store import access
    from store.access import Action
    from tui import services

    actor = await acting(args, Action.MONTH_SIGNOFF)
    village = await access.unit_within(actor, args.unit, what="审核签字")
    signed = await services.sign_off_month(args.month, village, actor.username, actor.real_name)
    print(f"已签字：村 {signed.unit_code} {signed.month}，审核人 {shown(signed.line)}。")
    return 0


_ACTIONS = {"close": _close, "reopen": _reopen, "status": _status, "signoff": _signoff}
