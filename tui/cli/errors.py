"""Exit codes, the user's one-line error, and how failures are explained (never a traceback on screen)."""

from __future__ import annotations

EXIT_USAGE = 2
EXIT_FAILED = 1


class CliError(Exception):
    """A one-line Chinese message for the user."""


#: each command in the words of a message ("…没有完成")
COMMAND_WORDS = {"import": "导入", "export": "导出", "demo": "生成演示数据", "check": "逻辑审核", "quality": "质量指标",
                 "user": "账号管理", "passwd": "修改密码", "settings": "修改设置", "log": "查看日志",
                 "backup": "备份", "restore": "恢复"}  # fmt: skip


def database_failure(exc: BaseException, what: str = "操作") -> str:
    """A Chinese explanation of a database failure; the transaction was rolled back. A full disk is told as
    such (:func:`store.faults.translate`: how much room to make, nothing lost), never as damage."""
    from store import faults

    known = faults.translate(exc, what=what)
    if known is not None:
        return str(known)
    text = str(exc).lower()
    if "disk is full" in text or "no space" in text:
        return faults.disk_full_message(folder=None, need=faults.needed_bytes(), what=what)
    if "locked" in text or "busy" in text:
        return "数据库正被其他人长时间占用，操作已撤销。请稍后重试。"
    if "readonly" in text or "read-only" in text:
        return "数据库文件只读，操作已撤销。请检查文件权限。"
    from store.redact import redact

    return f"数据库操作失败（{redact(str(exc))}），操作已撤销，数据库未改动。"


def known_failure(exc: BaseException, what: str = "操作") -> str | None:
    """The message for a failure that is not a bug (a full disk, a database error), or None."""
    import sqlite3

    from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError, TransactionManagementError

    from store import faults

    database = (OperationalError, TransactionManagementError, IntegrityError, DBConnectionError, sqlite3.Error)
    if isinstance(exc, database) or faults.sqlstate(exc) is not None:
        return database_failure(exc, what)
    known = faults.translate(exc, what=what)
    return None if known is None else str(known)


def crash_report(exc: BaseException, where: str | None = None) -> str:
    """Append the traceback to the crash log (0600 in a 0700 folder, passwords redacted); `where` defaults
    to the command line. Returns the log's path, or why it was not written."""
    from store.crashlog import write_crash_log

    return write_crash_log(exc, where)
