"""Drafts of the entry forms (design §4): nothing typed is lost when the connection drops.

A draft is the household record a form is editing, kept as JSON under ``store.db.data_dir()/drafts/`` per
:class:`DraftKey`: the user, the database (its identity, `store.identity`) and the household code, so the same
household code in another database never sees it. Written atomically (temporary file, fsync, rename) with mode
0600, read back with its dates restored, removed on save or when the clerk discards it. Only :func:`key_for`
reads the database (its id).
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

__all__ = ["Draft", "DraftKey", "discard", "draft_dir", "key_for", "load", "save"]

_DATE = "$date"


@dataclass(frozen=True)
class Draft:
    """A stored draft: when it was written and what it holds."""

    saved_at: dt.datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class DraftKey:
    """Whose draft of which record: a user, a database (``store.identity.database_id()``), a household code."""

    user: str
    database: str
    household: str


async def key_for(user: str, household_code: str) -> DraftKey:
    """The key of `user`'s draft of `household_code` in the open database."""
    from store.identity import database_id

    return DraftKey(user, await database_id(), household_code)


def draft_dir(base: Path | None = None) -> Path:
    """The folder of the drafts (``data_dir()/drafts`` unless `base` is given)."""
    if base is None:
        from store.db import data_dir

        base = data_dir()
    return base / "drafts"


def _path(key: DraftKey, base: Path | None) -> Path:
    digest = hashlib.sha256(f"{key.user}\0{key.database}\0{key.household}".encode()).hexdigest()[:24]
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


def save(key: DraftKey, payload: dict[str, Any], *, base: Path | None = None) -> Path:
    """Write the draft of `key` (replacing an older one); returns its path."""
    path = _path(key, base)
    private_dir(path.parent)
    body = {"user": key.user, "database": key.database, "household": key.household,
            "saved_at": dt.datetime.now().isoformat(timespec="seconds"), "payload": _encode(payload)}  # fmt: skip
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


def load(key: DraftKey, *, base: Path | None = None) -> Draft | None:
    """The draft of `key`, or None (also for an unreadable file or one written for another key)."""
    path = _path(key, base)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if (body.get("user"), body.get("database"), body.get("household")) != (key.user, key.database, key.household):
            return None
        return Draft(dt.datetime.fromisoformat(body["saved_at"]), _decode(body["payload"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def discard(key: DraftKey, *, base: Path | None = None) -> None:
    """Remove the draft of `key` (nothing happens when there is none)."""
    _path(key, base).unlink(missing_ok=True)
