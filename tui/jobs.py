"""Work in the background: every screen runs its database jobs through :func:`run_job`.

A job is a coroutine run in a Textual worker; `done` gets its result. A failure goes to the one error
handler, :func:`report_failure`: a Chinese notice (a :class:`~store.errors.StoreError` says what went wrong in
its own words), the traceback appended to the crash log, never a traceback on screen. A screen that must
reset its state after a failure overrides :meth:`Jobs.job_failed`.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from rich.text import Text
from textual.dom import DOMNode
from textual.worker import Worker

from store.crashlog import crash_log_path, write_crash_log
from store.errors import StoreError
from store.redact import redact

T = TypeVar("T")


def crash_log() -> Path:
    """The crash log in the data folder (the same file as the command line's)."""
    return crash_log_path()


def log_failure(exc: BaseException) -> str:
    """Append the traceback of `exc` to the crash log (0600, passwords redacted); returns where (or why not)."""
    return write_crash_log(exc, "tui")


def crash_notice(exc: BaseException, where: str) -> Text:
    """The one line the clerk sees after the app stopped on an unexpected error (plain text, no markup)."""
    return Text(f"renkou: 程序内部错误（{type(exc).__name__}），已退出。"
                f"详细信息已写入 {where}，请报告给维护人员。")  # fmt: skip


def failure_text(exc: BaseException) -> str:
    """The Chinese notice for a failed job (the crash log is written for unexpected errors). A full disk is
    told as such, with the room to make (:func:`store.faults.translate`), whichever layer it surfaced in."""
    from store import faults

    if isinstance(exc, StoreError):
        return redact(str(exc))
    known = faults.translate(exc, kept="已有的数据没有丢失，您的录入都还在。")
    if known is not None:
        return str(known)
    if isinstance(exc, OSError):
        return f"无法读写文件（{exc.strerror or exc}）。"
    where = log_failure(exc)
    return f"操作失败（{type(exc).__name__}）。详细信息已写入 {where}，请报告给维护人员。"


def report_failure(node: DOMNode, exc: BaseException) -> str:
    """The one error handler of all workers: a notice on screen, details in the crash log; returns the text."""
    text = failure_text(exc)
    node.notify(text, severity="error", timeout=8, markup=False)  # the text may quote stored data
    return text


def run_job(node: DOMNode, job: Awaitable[T], *, group: str = "default", exclusive: bool = False,
            done: Callable[[T], Any] | None = None,
            failed: Callable[[BaseException, str], Any] | None = None) -> Worker[None]:  # fmt: skip
    """Run `job` in a worker of `node`; `done(result)` after it, `failed(exc, notice)` after a failure
    (which :func:`report_failure` has already shown)."""

    async def work() -> None:
        try:
            result = await job
        except Exception as exc:  # any failure of the job: tell the clerk, keep the app running
            text = report_failure(node, exc)
            if failed is not None:
                failed(exc, text)
            return
        if done is not None:
            done(result)

    # `work` itself (not a coroutine made now): a worker cancelled before it ran (a newer exclusive job of the
    # group, a screen closed at once) then leaves no coroutine behind, and `job` is closed unawaited
    worker = node.run_worker(work, group=group, exclusive=exclusive)
    weakref.finalize(worker, _close_unstarted, job)
    return worker


def _close_unstarted(job: Awaitable[Any]) -> None:
    """Close `job` if it is a coroutine that never ran ("coroutine … was never awaited" otherwise)."""
    if inspect.iscoroutine(job) and inspect.getcoroutinestate(job) == inspect.CORO_CREATED:
        job.close()


class Jobs:
    """Mixin for screens: ``self.run_job(coro, done=...)``; override :meth:`job_failed` to reset state."""

    def run_job(self, job: Awaitable[T], *, group: str = "default", exclusive: bool = False,
                done: Callable[[T], Any] | None = None) -> Worker[None]:  # fmt: skip
        """Run `job` in a worker; failures go to :func:`report_failure`, then :meth:`job_failed`."""
        assert isinstance(self, DOMNode)
        return run_job(self, job, group=group, exclusive=exclusive, done=done, failed=self.job_failed)

    def job_failed(self, exc: BaseException, notice: str) -> None:
        """A job failed (the notice is shown already): reset what the screen set for it."""
