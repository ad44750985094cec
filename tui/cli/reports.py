"""``renkou export monthly|errors|sample`` and ``renkou import sample-results``: the workbooks of `exports`."""

from __future__ import annotations

import argparse

from tui.cli.errors import CliError
from tui.cli.session import acting, progress


async def cmd_export(args: argparse.Namespace) -> int:
    """Export the monthly returns, the error list (full ID numbers for those who may) or the sample."""
    from exports import commands
    from store import access, db

    async with db.database(args.db, create=False):
        actor = await acting(args, access.Action.EXPORT)
        operator = actor.username
        bar = progress("导出")
        if args.what == "monthly":
            text = await commands.monthly_command(args.month, args.out, args.unit, operator, bar)
        elif args.what == "errors":
            full_ids = access.may(actor, access.Action.EXPORT_FULL_IDS)
            text = await commands.errors_command(args.out, args.unit, operator, full_ids, bar)
        else:
            text = await commands.sample_command(args.month, args.out, operator, bar)
    print(text)
    return 0


async def cmd_sample_results(args: argparse.Namespace) -> int:
    """Import the filled-in verification sample."""
    from exports.commands import sample_results_command
    from store import db
    from store.access import Action

    if args.results is None:
        raise CliError("请给出填好的抽查表：renkou import sample-results 文件.xlsx")
    async with db.database(args.db, create=False):
        actor = await acting(args, Action.SAMPLE_RESULTS)
        print(await sample_results_command(args.results, operator=actor.username))
    return 0
