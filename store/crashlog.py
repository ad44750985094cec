"""The crash log: ``crash.log`` in the data folder, one entry per unexpected failure of the CLI or the TUI.

Entries carry the time, where it happened (the command line, redacted, or "tui") and the traceback; the
file is created 0600 in a 0700 folder and passwords are redacted (:func:`store.redact.redact`) before
anything is written. The clerk sees one Chinese line naming the file, never the traceback.
"""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from pathlib import Path

from store.private import append_private
from store.redact import redact, redact_argv

__all__ = ["UNWRITTEN", "crash_entry", "crash_log_path", "write_crash_log"]

#: what the clerk is told instead of a path when the log cannot be written
UNWRITTEN = "（无法写入日志）"


def crash_log_path() -> Path:
    """The crash log in the data folder (the CLI's and the TUI's)."""
    from store.db import data_dir

    return data_dir() / "crash.log"


def crash_entry(exc: BaseException, where: str) -> str:
    """One crash-log entry: time, `where` and the traceback, passwords redacted."""
    body = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return redact(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {where}\n{body}")


def write_crash_log(exc: BaseException, where: str | None = None) -> str:
    """Append `exc` to the crash log; `where` defaults to the command line. Returns the log's path, or
    :data:`UNWRITTEN` when it could not be written."""
    path = crash_log_path()
    try:
        append_private(path, crash_entry(exc, redact_argv(sys.argv) if where is None else where))
    except OSError:
        return UNWRITTEN
    return str(path)
