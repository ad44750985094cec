"""The append-only audit log: every write, export and opening of a person record."""

from __future__ import annotations

import datetime as dt

from tortoise.backends.base.client import BaseDBAsyncClient

from store import db


async def log_action(
    username: str, action: str, target: str = "", detail: str = "", client: BaseDBAsyncClient | None = None
) -> None:
    """Append one entry (inside the caller's transaction when `client` is one)."""
    await db.execute(
        "INSERT INTO audit_log (logged_at, username, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        [dt.datetime.now().replace(microsecond=0), username, action, target[:120], detail],
        client,
    )


async def recent(limit: int = 100) -> list[dict[str, object]]:
    """The newest entries, newest first."""
    return await db.fetch_dicts(
        "SELECT logged_at, username, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?", [limit]
    )
