"""Exit codes, the user's one-line error, and how failures are explained (never a traceback on screen)."""

from __future__ import annotations

import datetime as dt
import sys
import traceback

EXIT_USAGE = 2
EXIT_FAILED = 1


class CliError(Exception):
    """A one-line Chinese message for the user."""


def database_failure(exc: BaseException) -> str:
    """A Chinese explanation of a database failure; the transaction was rolled back."""
    text = str(exc).lower()
    if "disk is full" in text or "no space" in text:
        return "磁盘已满，操作已撤销，数据库未改动。请清理磁盘空间后重试。"
    if "locked" in text or "busy" in text:
        return "数据库正被其他人长时间占用，操作已撤销。请稍后重试。"
    if "readonly" in text or "read-only" in text:
        return "数据库文件只读，操作已撤销。请检查文件权限。"
    return f"数据库操作失败（{exc}），操作已撤销，数据库未改动。"


def crash_report(exc: BaseException) -> str:
    """Write the traceback to the data directory; returns where."""
    try:
        from store.db import data_dir

        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "crash.log"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {' '.join(sys.argv)}\n")
            handle.write("".join(traceback.format_exception(exc)))
        return str(path)
    except OSError:
        return "（无法写入日志）"
