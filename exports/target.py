"""The output file of an export: checked up front, written beside the target (mode 0600: it holds personal
data), renamed into place; and default file names from untrusted unit names that stay inside their folder.

Nothing partial is ever left at the target path: the workbook is written to a hidden temporary file in
the same directory and renamed over the target only when complete; on any failure the temporary file is
removed and an existing target is left untouched. A workbook's own scratch files go to a private temporary
folder (:class:`WorkbookFiles`) that is removed whatever happens, and a full disk is told as such, with the
room the workbook needs (:mod:`store.faults`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from store import faults
from store.errors import StoreError
from store.private import FILE_MODE, create_private


def check_target(out: Path | str, suffix: str = ".xlsx") -> Path:
    """The target path, after checking that a file can be written there; raises :class:`StoreError`."""
    path = Path(out).expanduser()
    if path.is_dir():
        raise StoreError(f"{path} 是一个文件夹，不能作为输出文件。请指定文件名，例如 {path / ('报表' + suffix)}。")
    if path.exists() and not path.is_file():
        raise StoreError(f"{path} 不是普通文件（是设备或管道），不能作为输出文件。请换一个文件名。")
    if path.suffix.lower() != suffix:
        raise StoreError(f"输出文件 {path} 的扩展名应为 {suffix}，否则 Excel、WPS 无法识别。")
    folder = path.parent
    if not folder.is_dir():
        raise StoreError(f"文件夹 {folder} 不存在。请先建立该文件夹，或换一个保存位置。")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"文件夹 {folder} 没有写权限，无法保存 {path.name}。请换一个保存位置。")
    if path.exists():
        try:
            with path.open("r+b"):
                pass
        except OSError:
            raise StoreError(
                f"文件 {path} 无法覆盖：可能正被 Excel、WPS 等程序打开，或是只读文件。请关闭该文件后重试，或换一个文件名。"
            ) from None
    return path


class AtomicFile:
    """A temporary file beside `out`; :meth:`replace` puts it in place, leaving the block removes it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        self.done = False

    def __enter__(self) -> AtomicFile:
        # created 0600 before the writer opens it (rewriting a file keeps its mode): it holds personal data;
        # when that fails the writer reports the folder's problem in its own words
        with contextlib.suppress(OSError):
            create_private(self.tmp)
        return self

    def replace(self) -> None:
        """Rename the finished temporary file over the target."""
        try:
            os.chmod(self.tmp, FILE_MODE)
            os.replace(self.tmp, self.out)
        except PermissionError:
            raise StoreError(
                f"文件 {self.out} 无法覆盖：可能正被 Excel、WPS 等程序打开，或没有写权限。请关闭该文件后重试。"
            ) from None
        except OSError as exc:
            raise StoreError(f"无法保存 {self.out}（{exc.strerror or exc}）。原有文件未改动。") from None
        self.done = True

    def __exit__(self, *exc_info: object) -> None:
        if not self.done:
            self.tmp.unlink(missing_ok=True)


async def publish(target: AtomicFile, operator: str, what: str) -> None:
    """Record the export in the audit log and put its file in place, both or neither."""
    from tortoise.transactions import in_transaction

    from store import audit

    async with in_transaction() as client:
        await audit.log_action(operator, "export", str(target.out)[-120:], what, client)
        target.replace()


class GuardedFile:
    """A binary output file that fails once: after its first ``OSError`` every later call does nothing, so
    a writer's clean-up (``zipfile.ZipFile.__del__`` writing its directory again) cannot raise the same error
    a second time as an "Exception ignored" traceback on the console."""

    def __init__(self, path: Path) -> None:
        self.name = str(path)
        self.error: OSError | None = None
        self.written = 0
        self._file = path.open("wb")

    def _call(self, name: str, *args: Any, default: Any) -> Any:
        if self.error is not None or self._file.closed:
            return default
        try:
            return getattr(self._file, name)(*args)
        except OSError as exc:
            self.error = exc
            raise

    def write(self, data: bytes) -> int:
        self.written += len(data)
        return int(self._call("write", data, default=len(data)))

    def flush(self) -> None:
        self._call("flush", default=None)

    def tell(self) -> int:
        return int(self._call("tell", default=self.written))

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self._call("seek", offset, whence, default=0))

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        """Close the file; a write that fails now (the buffer flushed) raises once, later calls never."""
        if self._file.closed:
            return
        if self.error is not None:
            self.discard()
            return
        try:
            self._file.close()
        except OSError as exc:
            self.error = exc
            self.discard()
            raise

    def discard(self) -> None:
        """Close without raising (after a failure)."""
        with contextlib.suppress(OSError):
            self._file.close()


class WorkbookFiles:
    """Where an xlsxwriter workbook writes: its output (a :class:`GuardedFile`) and a private scratch folder
    for its sheets (removed by :meth:`finish`, so a failed export leaves no scratch files in the system's
    temporary folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.scratch = Path(tempfile.mkdtemp(prefix="renkou-xlsx-"))
        try:
            self.output = GuardedFile(path)
        except OSError as exc:
            shutil.rmtree(self.scratch, ignore_errors=True)
            full = faults.translate(exc, path=path, need=faults.MB, what=f"导出“{path.name}”",
                                    kept="原有文件没有改动，数据库没有改动。")  # fmt: skip
            reason = exc.strerror or str(exc)
            raise full or StoreError(
                f"无法写入 {path}（{reason}）。请检查目录权限和磁盘空间，或换一个保存位置。"
            ) from None
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise

    def need(self) -> int:
        """The room the workbook needs: what was written plus the sheets still waiting, and 10 %, at least
        1 MB (the export's estimate for the disk-full message)."""
        waiting = 0
        for item in self.scratch.rglob("*"):
            try:
                waiting += item.stat().st_size if item.is_file() else 0
            except OSError:
                continue
        return max(faults.MB, int((self.output.written + waiting) * 1.1))

    def failure(self, exc: BaseException, shown: Path) -> StoreError:
        """The message for a workbook that could not be written (a full disk named as such)."""
        where = shown if self.output.error is not None else self.scratch / "x"  # the output, or the scratch disk
        full = faults.translate(exc, path=where, need=self.need(), what=f"导出“{shown.name}”",
                                kept="原有文件没有改动，数据库没有改动。")  # fmt: skip
        if isinstance(full, faults.DiskFullError):
            return full
        reason = getattr(exc, "strerror", None) or str(exc)
        return StoreError(f"无法写入 {shown}（{reason}）。请检查目录权限和磁盘空间，或换一个保存位置。")

    def finish(self) -> None:
        """Close the output quietly (when still open) and remove the scratch folder."""
        self.output.discard()
        shutil.rmtree(self.scratch, ignore_errors=True)


#: characters a default file name may keep from a unit name besides letters and digits (CJK included)
_NAME_EXTRA = frozenset("-_()（）·")
#: longest part of a file name taken from a unit name
NAME_PART_CHARS = 40


def safe_name_part(text: str, fallback: str = "未命名") -> str:
    """`text` (a unit name from the database or an import) as part of a file name: letters and digits of
    any script and ``-_()（）·`` kept, anything else (separators, dots, control characters, spaces) as ``_``,
    cut to :data:`NAME_PART_CHARS`; `fallback` when nothing is left."""
    kept = "".join(c if c.isalnum() or c in _NAME_EXTRA else "_" for c in text)[:NAME_PART_CHARS].strip("_")
    return kept or fallback


def path_in(folder: Path, name: str) -> Path:
    """``folder / name``, checked to be a file directly inside `folder` (resolved: no ``..``, separator or
    link leads out of it); raises :class:`StoreError` otherwise."""
    path = folder / name
    if Path(name).name != name or name in ("", ".", "..") or path.resolve().parent != folder.resolve():
        raise StoreError(f"文件名 {name!r} 不在导出文件夹 {folder} 中，已拒绝。请换一个文件名。")
    return path
