"""Opening the TUI: the only module of `tui.cli` that imports Textual (lazily, when the TUI is opened)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from tui.cli.errors import EXIT_FAILED


def check_terminal_encoding() -> str | None:
    """A message when the terminal is not UTF-8 (Textual would crash or show mojibake)."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    if encoding in ("utf8", "utf_8"):
        return None
    return (
        f"The terminal encoding is {encoding or 'unknown'}, not UTF-8. Set your terminal (PuTTY: Window > "
        "Translation > UTF-8) and locale (export LANG=zh_CN.UTF-8 or C.UTF-8) to UTF-8, then run renkou again.\n"
        "终端编码不是 UTF-8。请把终端（PuTTY：窗口 > 转换 > UTF-8）和系统区域设置（export LANG=zh_CN.UTF-8）"
        "改为 UTF-8 后再运行 renkou。"
    )


def run_tui(args: argparse.Namespace) -> int:
    """Open the TUI on the database (Tortoise initialised around the app, design §7)."""
    message = check_terminal_encoding()
    if message:
        print(message, file=sys.stderr)
        return EXIT_FAILED
    from store.db import resolve
    from tui.app import run_app

    target = resolve(args.db, demo=args.demo)
    return asyncio.run(run_app(target, ascii_borders=args.ascii, username=args.user))
