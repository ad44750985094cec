"""Closed months (封账) and reviewers' sign-offs (审核签字): the ``month_close`` and ``month_signoff`` tables.

Closing a unit's month keeps the returns' figures as sent (JSON text computed by `exports`, and its SHA-256);
exporting that month later draws the workbook from them. A change dated in a closed month is counted in the
open month it is entered in (`store.domain.months`). An admin may reopen a month with a reason: the row is
kept, with who reopened it, when and why; the month is open again until it is closed anew. Every close,
reopening and sign-off is written to the audit log. Who may do what is decided in `store.access`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from store import audit, db
from store.errors import StoreError

__all__ = [
    "ClosedMonth",
    "MonthState",
    "Signoff",
    "active_closes",
    "close_month",
    "closed_months_for",
    "closes_of_month",
    "covering_close",
    "digest",
    "find_close",
    "history",
    "month_state",
    "months_closed_for",
    "open_errors",
    "reopen_month",
    "sign_off",
    "signoffs",
    "verified_figures",
    "villages_not_signed",
]

_CLOSE_COLUMNS = ("id, unit_code, month, figures, digest, closed_by, closed_at, reopened_by, reopened_at, "
                  "reopen_reason")  # fmt: skip


def _local(value: Any) -> dt.datetime | None:
    """A stored time as naive local time (PostgreSQL returns timestamptz values)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value


def digest(figures: str) -> str:
    """The SHA-256 (hex) of a closed month's figures text."""
    return hashlib.sha256(figures.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ClosedMonth:
    """One closing of a unit's month (``unit_code`` '' : the whole database); reopened when ``reopened_at``."""

    id: int
    unit_code: str
    month: str
    figures: str
    digest: str
    closed_by: str
    closed_at: dt.datetime
    reopened_by: str | None = None
    reopened_at: dt.datetime | None = None
    reopen_reason: str | None = None

    @property
    def is_closed(self) -> bool:
        return self.reopened_at is None


def _closed(row: Sequence[Any]) -> ClosedMonth:
    closed_at = _local(row[6])
    assert closed_at is not None
    return ClosedMonth(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]), closed_at,
                       row[7], _local(row[8]), row[9])  # fmt: skip


@dataclass(frozen=True)
class Signoff:
    """A reviewer's sign-off of a village's month."""

    unit_code: str
    month: str
    signed_by: str
    signed_name: str
    signed_at: dt.datetime
    open_errors: int

    @property
    def line(self) -> str:
        """``张审核 2026-11-02 10:15（签字时错误 0 条）``."""
        return f"{self.signed_name} {self.signed_at:%Y-%m-%d %H:%M}（签字时错误 {self.open_errors} 条）"


def _covers(unit_code: str, village: str) -> bool:
    """Whether a close of `unit_code` covers `village` (its own code, an ancestor's, or '' for everything)."""
    return village.startswith(unit_code)


async def active_closes(client: BaseDBAsyncClient | None = None) -> list[tuple[str, str]]:
    """(unit code, month) of every month that is closed now. Inside a write transaction on PostgreSQL
    (`client`), first takes the ``month_close`` advisory lock shared, so that a close computing its figures
    (:func:`close_month`) waits for this write and this write waits for it."""
    if client is not None and db.dialect(client) == "postgres":
        await db.fetch("SELECT pg_advisory_xact_lock_shared(hashtext('month_close'))", (), client)
    rows = await db.fetch("SELECT unit_code, month FROM month_close WHERE reopened_at IS NULL", (), client)
    return [(str(r[0]), str(r[1])) for r in rows]


def months_closed_for(village: str, closes: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The closed months of a village (or any unit code), given :func:`active_closes`."""
    return frozenset(month for unit, month in closes if _covers(unit, village))


async def closed_months_for(unit_code: str) -> frozenset[str]:
    """The months closed now for a unit (closed for it or for a unit containing it)."""
    return months_closed_for(unit_code, await active_closes())


async def find_close(unit_code: str, month: str, client: BaseDBAsyncClient | None = None) -> ClosedMonth | None:
    """The close of exactly this unit's month, if it is closed now."""
    rows = await db.fetch(
        f"SELECT {_CLOSE_COLUMNS} FROM month_close WHERE unit_code = ? AND month = ? AND reopened_at IS NULL "
        "ORDER BY id DESC LIMIT 1",
        [unit_code, month],
        client,
    )
    return _closed(rows[0]) if rows else None


async def covering_close(unit_code: str, month: str, client: BaseDBAsyncClient | None = None) -> ClosedMonth | None:
    """The close that covers this unit's month now (its own, or one of a unit containing it), if any."""
    rows = await db.fetch(
        f"SELECT {_CLOSE_COLUMNS} FROM month_close WHERE month = ? AND reopened_at IS NULL ORDER BY id", [month], client
    )
    found = [_closed(r) for r in rows if _covers(str(r[1]), unit_code)]
    return max(found, key=lambda c: len(c.unit_code)) if found else None


async def closes_of_month(month: str, client: BaseDBAsyncClient | None = None) -> list[ClosedMonth]:
    """Every close of `month` in force now (of any unit)."""
    rows = await db.fetch(
        f"SELECT {_CLOSE_COLUMNS} FROM month_close WHERE month = ? AND reopened_at IS NULL ORDER BY id", [month], client
    )
    return [_closed(r) for r in rows]


def verified_figures(closed: ClosedMonth) -> str:
    """The figures text of a close, after checking its SHA-256; raises :class:`StoreError` when it differs."""
    if digest(closed.figures) != closed.digest:
        raise StoreError(f"{closed.month} 封账数据的校验码不符，数据可能被改动过。请联系管理员从备份恢复。")
    return closed.figures


async def close_month(
    unit_code: str, month: str, figures: str | Callable[[], Awaitable[str]], by: str, *,
    now: dt.datetime | None = None,
) -> ClosedMonth:  # fmt: skip
    """Close a unit's month, keeping `figures` (the returns' JSON text, or the function computing it) and its
    SHA-256. Refused when the month is already closed for the unit or a unit containing it.

    The figures are computed inside the write transaction that records the close, under the lock every edit
    takes before it decides a change line's counting month (SQLite: the write lock of ``BEGIN IMMEDIATE``;
    PostgreSQL: the ``month_close`` advisory lock, shared by edits in :func:`active_closes`). So an edit either
    commits before — it is in the figures — or waits and sees the month closed (counted as 补报): none falls
    between the figures and the state change."""
    now = now or dt.datetime.now().replace(microsecond=0)
    async with in_transaction() as client:
        if db.dialect(client) == "postgres":  # two closes of one month at once: the second waits and sees the first
            await db.fetch("SELECT pg_advisory_xact_lock(hashtext('month_close'))", (), client)
        already = await covering_close(unit_code, month, client)
        if already is not None:
            whose = "本单位" if already.unit_code == unit_code else f"上级单位（{already.unit_code or '全部'}）"
            raise StoreError(f"{month} 已由{whose}于 {already.closed_at:%Y-%m-%d %H:%M} 封账，不能重复封账。")
        if not isinstance(figures, str):
            figures = await figures()
        sha = digest(figures)
        await db.execute(
            "INSERT INTO month_close (unit_code, month, figures, digest, closed_by, closed_at) VALUES (?, ?, ?, ?, ?, ?)",
            [unit_code, month, figures, sha, by, now],
            client,
        )
        await audit.log_action(by, "month_close", f"{unit_code or '全部'} {month}", f"SHA-256 {sha}", client)
        found = await find_close(unit_code, month, client)
    assert found is not None
    return found


async def reopen_month(
    unit_code: str, month: str, reason: str, by: str, *, now: dt.datetime | None = None
) -> ClosedMonth:
    """Reopen a unit's closed month, with a reason (logged). Raises :class:`StoreError` when it is not closed."""
    reason = (reason or "").strip()
    if not reason:
        raise StoreError("请写明重新打开的理由（--reason）。")
    now = now or dt.datetime.now().replace(microsecond=0)
    async with in_transaction() as client:
        closed = await find_close(unit_code, month, client)
        if closed is None:
            raise StoreError(f"单位 {unit_code or '全部'} 的 {month} 没有封账，无需重新打开。")
        await db.execute(
            "UPDATE month_close SET reopened_by = ?, reopened_at = ?, reopen_reason = ? WHERE id = ?",
            [by, now, reason, closed.id],
            client,
        )
        await audit.log_action(by, "month_reopen", f"{unit_code or '全部'} {month}", reason, client)
    return ClosedMonth(closed.id, closed.unit_code, closed.month, closed.figures, closed.digest, closed.closed_by,
                       closed.closed_at, by, now, reason)  # fmt: skip


async def history(unit_code: str = "") -> list[ClosedMonth]:
    """Every close (current and reopened) of the unit, of units within it and of units containing it,
    newest month first."""
    rows = await db.fetch(f"SELECT {_CLOSE_COLUMNS} FROM month_close ORDER BY month DESC, unit_code, id")
    return [_closed(r) for r in rows if str(r[1]).startswith(unit_code) or unit_code.startswith(str(r[1]))]


async def open_errors(prefix: str, client: BaseDBAsyncClient | None = None) -> int:
    """Open (unconfirmed) E findings of a unit in the stored audit results."""
    sql = "SELECT count(*) FROM finding WHERE severity = 'E' AND confirmed = ? AND substr(village_code, 1, ?) = ?"
    return int(await db.scalar(sql, [False, len(prefix), prefix], client) or 0)


async def sign_off(village: str, month: str, by: str, name: str, *, now: dt.datetime | None = None) -> Signoff:
    """A reviewer signs off a village's month (a later sign-off replaces an earlier one); refused when the
    unit is not a village or the month is closed already."""
    now = now or dt.datetime.now().replace(microsecond=0)
    async with in_transaction() as client:
        level = await db.scalar("SELECT level FROM unit WHERE code = ?", [village], client)
        if level != "village":
            raise StoreError(f"单位代码 {village} 不是村。审核签字按村进行。")
        closed = await covering_close(village, month, client)
        if closed is not None:
            raise StoreError(f"{month} 已于 {closed.closed_at:%Y-%m-%d %H:%M} 封账，不能再签字。")
        errors = await open_errors(village, client)
        await db.execute("DELETE FROM month_signoff WHERE unit_code = ? AND month = ?", [village, month], client)
        await db.execute(
            "INSERT INTO month_signoff (unit_code, month, signed_by, signed_name, signed_at, open_errors) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [village, month, by, name, now, errors],
            client,
        )
        await audit.log_action(by, "month_signoff", f"{village} {month}", f"签字时错误 {errors} 条", client)
    return Signoff(village, month, by, name, now, errors)


async def signoffs(prefix: str, month: str) -> dict[str, Signoff]:
    """village code → its sign-off of the month, for the villages of a unit."""
    rows = await db.fetch(
        "SELECT unit_code, month, signed_by, signed_name, signed_at, open_errors FROM month_signoff "
        "WHERE month = ? AND substr(unit_code, 1, ?) = ?",
        [month, len(prefix), prefix],
    )
    out = {}
    for code, m, by, name, at, errors in (tuple(r) for r in rows):
        when = _local(at)
        assert when is not None
        out[str(code)] = Signoff(str(code), str(m), str(by), str(name), when, int(errors))
    return out


async def villages_not_signed(unit_code: str, month: str) -> list[tuple[str, str]]:
    """(code, name) of the unit's villages (or the village itself) without a sign-off of the month."""
    rows = await db.fetch(
        "SELECT code, name FROM unit WHERE level = 'village' AND substr(code, 1, ?) = ? ORDER BY code",
        [len(unit_code), unit_code],
    )
    signed = await signoffs(unit_code, month)
    return [(str(c), str(n)) for c, n in rows if str(c) not in signed]


@dataclass(frozen=True)
class MonthState:
    """A unit's month as the tree and the quality panel show it: closed (by its own or a containing unit's
    close) and, for a village, its sign-off."""

    unit_code: str
    month: str
    closed: ClosedMonth | None
    signoff: Signoff | None
    is_village: bool

    @property
    def short(self) -> str:
        """``10月已封账`` / ``10月未封账`` (for narrow title lines)."""
        return f"{int(self.month[5:7])}月{'已' if self.closed is not None else '未'}封账"

    @property
    def compact(self) -> str:
        """:attr:`short`, and for an open village month its sign-off: ``10月未封账 已签字``."""
        if self.closed is not None or not self.is_village:
            return self.short
        return f"{self.short} {'已签字' if self.signoff else '未签字'}"

    @property
    def text(self) -> str:
        """``2026-10 已封账`` / ``2026-10 未封账 已签字`` / ``2026-10 未封账 未签字``."""
        if self.closed is not None:
            return f"{self.month} 已封账"
        if not self.is_village:
            return f"{self.month} 未封账"
        return f"{self.month} 未封账 {'已签字' if self.signoff else '未签字'}"


async def month_state(unit_code: str, month: str) -> MonthState:
    """The state of a unit's month (see :class:`MonthState`)."""
    closed = await covering_close(unit_code, month)
    is_village = len(unit_code) == 12
    signoff = (await signoffs(unit_code, month)).get(unit_code) if is_village else None
    return MonthState(unit_code, month, closed, signoff, is_village)
