"""Drafts of the entry forms (design §4): nothing typed is lost when the connection drops.

A draft is the record a form is editing, kept as JSON per user and household under
``store.db.data_dir()/drafts/``: written atomically (temporary file, fsync, rename) with mode 0600, read
back with its dates restored, removed on save or when the clerk discards it. No database access.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.private import FILE_MODE, private_dir

__all__ = ["Draft", "discard", "draft_dir", "load", "save"]

_DATE = "$date"


@dataclass(frozen=True)
class Draft:
    """A stored draft: when it was written and what it holds."""

    saved_at: dt.datetime
    payload: dict[str, Any]


def draft_dir(base: Path | None = None) -> Path:
    """The folder of the drafts (``data_dir()/drafts`` unless `base` is given)."""
    if base is None:
        from store.db import data_dir

        base = data_dir()
    return base / "drafts"


def _path(user: str, household_code: str, base: Path | None) -> Path:
    digest = hashlib.sha256(f"{user}\0{household_code}".encode()).hexdigest()[:24]
    return draft_dir(base) / f"{digest}.json"


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {_DATE: value.isoformat()}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and _DATE in value:
            return dt.date.fromisoformat(value[_DATE])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def save(user: str, household_code: str, payload: dict[str, Any], *, base: Path | None = None) -> Path:
    """Write the draft of `user` for `household_code` (replacing an older one); returns its path."""
    path = _path(user, household_code, base)
    private_dir(path.parent)
    body = {"user": user, "household": household_code, "saved_at": dt.datetime.now().isoformat(timespec="seconds"),
            "payload": _encode(payload)}  # fmt: skip
    fd, temp = tempfile.mkstemp(prefix=".draft-", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def load(user: str, household_code: str, *, base: Path | None = None) -> Draft | None:
    """The draft of `user` for `household_code`, or None (also for an unreadable file)."""
    path = _path(user, household_code, base)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.get("user") != user or body.get("household") != household_code:
            return None
        return Draft(dt.datetime.fromisoformat(body["saved_at"]), _decode(body["payload"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def discard(user: str, household_code: str, *, base: Path | None = None) -> None:
    """Remove the draft (nothing happens when there is none)."""
    _path(user, household_code, base).unlink(missing_ok=True)
