"""Files with personal data: created 0600 in folders created 0700, whatever the umask (design §4).

The console entry sets a restrictive umask once (:func:`restrict_umask`); the functions here make every place
that creates a database, a backup, a draft, an export, a reject file or a crash log safe without it too
(library use, tests). Folders that already exist are left as they are: they may be the clerk's own choice.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "UMASK",
    "append_private",
    "create_private",
    "open_private",
    "private_dir",
    "restrict_umask",
]

#: mode of the files Renkou creates (owner read/write only)
FILE_MODE = 0o600
#: mode of the folders Renkou creates (owner only)
DIR_MODE = 0o700
#: the process umask the console entry sets: nothing for group and others
UMASK = 0o077


def restrict_umask() -> int:
    """Make every file and folder this process creates private to its user; returns the previous umask."""
    return os.umask(UMASK)


def private_dir(folder: Path) -> Path:
    """Create `folder` (and missing parents) with mode 0700; an existing folder is left as it is."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(path, DIR_MODE)  # mkdir's mode is masked by the umask; 0700 is never widened by chmod
    return folder


def create_private(path: Path, *, exclusive: bool = False) -> None:
    """Create the empty file `path` with mode 0600 when it does not exist (with `exclusive`, fail when it
    does: ``FileExistsError``). An existing file keeps its content and mode."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else 0)
    fd = os.open(path, flags, FILE_MODE)
    os.close(fd)


def open_private(path: Path, mode: str = "w") -> IO[Any]:
    """Open `path` for writing: ``"w"``/``"a"`` (UTF-8 text) or ``"wb"``/``"ab"``. A file it creates has mode
    0600 (``os.open``'s mode, which the umask can only narrow); an existing file keeps its mode."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        if "b" in mode:
            return os.fdopen(fd, mode)
        return os.fdopen(fd, mode, encoding="utf-8", newline="\n")
    except BaseException:
        os.close(fd)
        raise


def append_private(path: Path, text: str) -> None:
    """Append `text` to `path` (a log), creating it and its folder private when missing."""
    private_dir(path.parent)
    with open_private(path, "a") as handle:
        handle.write(text)
