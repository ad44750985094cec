"""Console entry point ``renkou``: the TUI and the headless commands (`docs/spec/interchange.md` §2).

Headless commands never import Textual; only :mod:`tui.cli.tui_launch` opens the TUI, importing it then. Every
failure the user can act on ends with one line of Chinese on stderr and a non-zero exit code. Who may run a
command is decided in `store.access`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable

from tui.cli import audit, data, history, maintenance, month, reports
from tui.cli.accounts import cmd_passwd, cmd_settings, cmd_user
from tui.cli.args import build_parser
from tui.cli.errors import (
    COMMAND_WORDS,
    EXIT_FAILED,
    EXIT_USAGE,
    CliError,
    crash_report,
    database_failure,
    known_failure,
)
from tui.cli.tui_launch import check_terminal_encoding, run_tui

__all__ = ["COMMANDS", "EXIT_FAILED", "EXIT_USAGE", "CliError", "build_parser", "check_terminal_encoding",
           "database_failure", "main", "run_tui"]  # fmt: skip


async def cmd_import(args: argparse.Namespace) -> int:
    """``renkou import``: a household file, or ``sample-results`` and the filled-in sample."""
    if args.file == "sample-results":
        return await reports.cmd_sample_results(args)
    return await data.cmd_import(args)


async def cmd_export(args: argparse.Namespace) -> int:
    """``renkou export``: the household file, or a workbook."""
    if args.what == "households":
        return await data.cmd_export_households(args)
    return await reports.cmd_export(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], Awaitable[int]]] = {
    "import": cmd_import,
    "export": cmd_export,
    "demo": maintenance.cmd_demo,
    "check": audit.cmd_check,
    "quality": audit.cmd_quality,
    "user": cmd_user,
    "passwd": cmd_passwd,
    "settings": cmd_settings,
    "log": maintenance.cmd_log,
    "backup": maintenance.cmd_backup,
    "restore": maintenance.cmd_restore,
    "month": month.cmd_month,
    "history": history.cmd_history,
}


def main(argv: list[str] | None = None) -> int:
    """Run ``renkou``; returns the exit code."""
    from store.errors import StoreError
    from store.private import restrict_umask
    from store.redact import redact

    restrict_umask()  # every file this run creates (database, backups, exports, logs) is private: 0600/0700
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return run_tui(args)
        return asyncio.run(COMMANDS[args.command](args))
    except (CliError, StoreError) as exc:
        print(f"renkou: {redact(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # output piped into a program that stopped reading (e.g. `| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("renkou: 已取消，未完成的操作没有写入数据库。", file=sys.stderr)
        return 130
    except Exception as exc:
        known = known_failure(
            exc, COMMAND_WORDS.get(args.command or "", "操作")
        )  # a full disk, a database error (e.g. a lock wait timed out at BEGIN)
        if known is not None:
            print(f"renkou: {known}", file=sys.stderr)
            return EXIT_FAILED
        where = crash_report(exc)
        print(
            f"renkou: 内部错误（{type(exc).__name__}: {redact(str(exc))}）。详细信息已写入 {where}，请报告给维护人员。",
            file=sys.stderr,
        )
        return EXIT_FAILED
