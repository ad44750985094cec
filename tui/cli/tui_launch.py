"""Opening the TUI: the only module of `tui.cli` that imports Textual (lazily, when the TUI is opened)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping

from tui.cli.errors import EXIT_FAILED

#: locales without a codeset whose C-library default is not UTF-8
_COERCED = frozenset({"C.UTF-8", "C.utf8", "UTF-8"})
_BARE_LOCALES = {"zh_cn": "gb2312", "zh_sg": "gb2312", "zh_tw": "big5", "zh_hk": "big5hkscs"}


def locale_encoding(environ: Mapping[str, str]) -> str | None:
    """The character set the locale names (``LC_ALL``, else ``LC_CTYPE``, else ``LANG``, as the C library
    reads them): ``zh_CN.GBK`` → ``gbk``, a bare ``zh_CN`` → ``gb2312`` (glibc's default for it); None when
    unset or without one (``C``, ``POSIX``, ``en_US``).

    An ``LC_CTYPE`` of ``C.UTF-8`` beside a ``LANG`` naming another character set is Python's own locale
    coercion (PEP 538: a ``LANG`` whose locale is not installed reads as ``C``, which Python replaces by
    ``C.UTF-8``): ``LANG`` still says what the terminal sends, so it decides."""
    ctype = environ.get("LC_CTYPE", "")
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(name, "")
        if name == "LC_CTYPE" and value in _COERCED and environ.get("LANG"):
            continue
        if value:
            language, _, charset = value.split("@", 1)[0].partition(".")
            charset = charset.lower().replace("-", "").replace("_", "")
            return charset or _BARE_LOCALES.get(language.lower())
    return "utf8" if ctype in _COERCED else None


def _utf8(name: str) -> bool:
    return name.lower().replace("-", "").replace("_", "") == "utf8"


def check_terminal_encoding(environ: Mapping[str, str] | None = None, stream_encoding: str | None = None) -> str | None:
    """A message (Chinese first) when the terminal is not UTF-8: the stream encoding is not UTF-8, or the
    locale names another character set (a GBK locale that is not installed still says what the terminal
    uses). Textual would crash or show mojibake."""
    environ = os.environ if environ is None else environ
    stream = stream_encoding if stream_encoding is not None else (getattr(sys.stdout, "encoding", None) or "")
    charset = locale_encoding(environ)
    if _utf8(stream) and (charset is None or _utf8(charset)):
        return None
    found = charset if charset is not None and not _utf8(charset) else stream.lower() or "unknown"
    return (
        f"终端编码不是 UTF-8（当前为 {found.upper()}）。请把终端（PuTTY：窗口 > 转换 > UTF-8）和系统区域设置"
        "（export LANG=zh_CN.UTF-8 或 C.UTF-8）改为 UTF-8 后再运行 renkou。\n"
        f"The terminal encoding is {found}, not UTF-8. Set your terminal (PuTTY: Window > Translation > UTF-8) "
        "and locale (export LANG=zh_CN.UTF-8 or C.UTF-8) to UTF-8, then run renkou again."
    )


def run_tui(args: argparse.Namespace) -> int:
    """Open the TUI on the database (Tortoise initialised around the app, design §7)."""
    message = check_terminal_encoding()
    if message:
        print(message, file=sys.stderr)
        return EXIT_FAILED
    from store.target import resolve
    from tui.app import run_app

    target = resolve(args.db, demo=args.demo)
    return asyncio.run(run_app(target, ascii_borders=args.ascii, username=args.user))
