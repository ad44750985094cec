"""``renkou export monthly|halfyear|annual|errors|sample`` and ``renkou import sample-results``: the workbooks of `exports`."""

from __future__ import annotations

import argparse

from tui.cli.errors import CliError
from tui.cli.session import acting, progress


async def cmd_export(args: argparse.Namespace) -> int:
    """Export the monthly returns, the error list (of the actor's units; full ID numbers for those who may) or
    the sample (reviewers and admins); `tui.services` enforces role and scope."""
    from store import access, db
    from tui import services

    async with db.database(args.db, create=False):
        actor = await acting(args, access.Action.EXPORT)
        operator = actor.username
        bar = progress("导出")
        if args.what == "monthly":
            text = await services.export_monthly(args.month, args.out, operator, args.unit, bar, actor=actor)
        elif args.what in ("halfyear", "annual"):
            text = await services.export_period(args.what, args.period, args.out, operator, args.unit, bar, actor=actor)
        elif args.what == "errors":
            text = await services.export_errors(args.out, operator, args.unit, progress=bar, actor=actor)
        else:
            text = await services.export_sample(args.month, args.out, operator, bar, actor=actor)
    print(text)
    return 0


async def cmd_sample_results(args: argparse.Namespace) -> int:
    """Import the filled-in verification sample."""
    from store import db
    from store.access import Action
    from tui import services

    if args.results is None:
        raise CliError("请给出填好的抽查表：renkou import sample-results 文件.xlsx")
    async with db.database(args.db, create=False):
        actor = await acting(args, Action.SAMPLE_RESULTS)
        print(await services.import_sample_results(args.results, actor.username))
    return 0
