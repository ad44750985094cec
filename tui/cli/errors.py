"""Exit codes, the user's one-line error, and how failures are explained (never a traceback on screen)."""

from __future__ import annotations

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
    from store.redact import redact

    return f"数据库操作失败（{redact(str(exc))}），操作已撤销，数据库未改动。"


def crash_report(exc: BaseException, where: str | None = None) -> str:
    """Append the traceback to the crash log (0600 in a 0700 folder, passwords redacted); `where` defaults
    to the command line. Returns the log's path, or why it was not written."""
    from store.crashlog import write_crash_log

    return write_crash_log(exc, where)
