"""``renkou check`` and ``renkou quality``: the whole-database audit and the quality indicators."""

from __future__ import annotations

import argparse
import sys

from tui.cli.session import acting, progress


async def cmd_check(args: argparse.Namespace) -> int:
    """Run the audit; print the findings (one JSON object a line with ``--json``)."""
    from store import access, audit, db
    from store.access import Action
    from tui import services

    async with db.database(args.db, create=False):
        actor = await acting(args, Action.CHECK_JSON if args.json else Action.CHECK)
        full = access.may(actor, Action.EXPORT_FULL_IDS)
        what = f"findings as JSON ({'full' if full else 'masked'} ID numbers)" if args.json else "summary"
        unit = args.unit or ",".join(actor.scope) or "全部"
        await audit.log_action(actor.username, "check", unit, f"{what} as_of={args.as_of or 'today'}")
        return await services.check_report(
            sys.stdout, args.as_of, args.unit, as_json=args.json, progress=progress("审核"), actor=actor
        )


async def cmd_quality(args: argparse.Namespace) -> int:
    """Print the quality indicators per unit."""
    from store import audit, db
    from store.access import Action
    from tui import services

    async with db.database(args.db, create=False):
        actor = await acting(args, Action.QUALITY)
        await audit.log_action(actor.username, "quality", ",".join(actor.scope) or "全部",
                               f"{'json' if args.json else 'table'} as_of={args.as_of or 'today'}")  # fmt: skip
        return await services.quality_report(
            sys.stdout, args.as_of, as_json=args.json, progress=progress("审核"), actor=actor
        )
