"""The append-only, hash-chained audit log: every write, export, bulk read, refusal and opening of a person record.

Each entry stores ``prev_hash`` (the hash of the entry before it, ``""`` for the first) and ``hash``, the SHA-256
of a canonical serialisation of its own fields and ``prev_hash`` (:func:`entry_hash`). The count, number, time
and hash of the newest entry are kept in the ``setting`` row :data:`HEAD_KEY`, updated with every append, so a
log whose newest entries were removed (or that was emptied) no longer matches its head.

Appends are serialised: on SQLite by the ``BEGIN IMMEDIATE`` write transaction (the caller's, or one opened
here), on PostgreSQL by a transaction-level advisory lock, so two writers never fork the chain.

Triggers (:data:`SQLITE_PROTECTION`, :data:`POSTGRES_PROTECTION`, with the update/delete triggers of
:mod:`store.schema`) refuse UPDATE, DELETE, ``INSERT OR REPLACE``, inserts that are not at the end of the chain,
``TRUNCATE`` (PostgreSQL) and removing or rewinding the head. Whoever can drop triggers (anyone with the SQLite
file) can still change the log, which :func:`verify_chain` then detects (``renkou log --verify``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from store import sql
from store.redact import redact

#: the ``setting`` row holding the head of the chain (count, number, time and hash of the newest entry)
HEAD_KEY = "audit_chain_head"
#: ``prev_hash`` of the first entry
GENESIS = ""
#: key of the PostgreSQL advisory lock that serialises appends ("RENKAUDT")
PG_LOCK_KEY = 0x52454E4B41554454 - (1 << 63)
#: how many entries the app checks at start (:func:`verify_tail`)
TAIL = 200
#: entries hashed per batch by the migration
MIGRATION_BATCH = 5000

_COLUMNS = "id, logged_at, username, action, target, detail, prev_hash, hash"
_REFUSED = "audit_log is append-only"
_HEAD_REFUSED = "audit_chain_head is protected"

#: SQLite: REPLACE deletes without firing delete triggers (recursive_triggers is off), so every insert must come
#: after the newest entry and carry a hash; the head row can be neither deleted, replaced nor rewound.
SQLITE_PROTECTION = [
    "CREATE TRIGGER IF NOT EXISTS audit_log_append_at_end BEFORE INSERT ON audit_log "
    "WHEN NEW.hash IS NULL OR NEW.id <= (SELECT COALESCE(MAX(id), 0) FROM audit_log) "
    f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON setting "
    f"WHEN OLD.key = '{HEAD_KEY}' BEGIN SELECT RAISE(ABORT, '{_HEAD_REFUSED}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_no_replace BEFORE INSERT ON setting "
    f"WHEN NEW.key = '{HEAD_KEY}' AND EXISTS (SELECT 1 FROM setting WHERE key = '{HEAD_KEY}') "
    f"BEGIN SELECT RAISE(ABORT, '{_HEAD_REFUSED}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_forward BEFORE UPDATE ON setting "
    f"WHEN OLD.key = '{HEAD_KEY}' AND (NEW.key <> OLD.key OR CAST(json_extract(NEW.value, '$.count') AS INTEGER) "
    "< CAST(json_extract(OLD.value, '$.count') AS INTEGER)) "
    f"BEGIN SELECT RAISE(ABORT, '{_HEAD_REFUSED}'); END",
]

#: PostgreSQL: the same, and TRUNCATE of the log or of the setting table refused.
POSTGRES_PROTECTION = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_REFUSED}'; END $$",
    "CREATE OR REPLACE FUNCTION audit_log_append_at_end() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.hash IS NULL OR NEW.id <= (SELECT COALESCE(MAX(id), 0) FROM audit_log) THEN "
    f"RAISE EXCEPTION '{_REFUSED}'; END IF; RETURN NEW; END $$",
    "DROP TRIGGER IF EXISTS audit_log_append_at_end ON audit_log",
    "CREATE TRIGGER audit_log_append_at_end BEFORE INSERT ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_at_end()",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    "CREATE OR REPLACE FUNCTION audit_head_protect() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'TRUNCATE' THEN RAISE EXCEPTION '{_HEAD_REFUSED}'; END IF; "
    f"IF TG_OP = 'DELETE' THEN IF OLD.key = '{HEAD_KEY}' THEN RAISE EXCEPTION '{_HEAD_REFUSED}'; END IF; "
    "RETURN OLD; END IF; "
    f"IF OLD.key = '{HEAD_KEY}' THEN IF NEW.key <> OLD.key OR "
    "(NEW.value::json->>'count')::bigint < (OLD.value::json->>'count')::bigint THEN "
    f"RAISE EXCEPTION '{_HEAD_REFUSED}'; END IF; END IF; RETURN NEW; END $$",
    "DROP TRIGGER IF EXISTS audit_head_protect ON setting",
    "CREATE TRIGGER audit_head_protect BEFORE UPDATE OR DELETE ON setting "
    "FOR EACH ROW EXECUTE FUNCTION audit_head_protect()",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON setting",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON setting "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_protect()",
]


# --- hashing ---------------------------------------------------------------------------------------------


def canonical_time(value: object) -> str:
    """The time of an entry as hashed: ISO text, naive; a time with a zone (PostgreSQL's TIMESTAMPTZ gives
    one back for the naive time written, read as UTC) in UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(" ")
    return str(value)


def shown_time(value: object) -> str:
    """The time of an entry for a message (local time, to the second)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)  # stored naive times are read as UTC
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)


def entry_hash(entry_id: int, logged_at: object, username: str, action: str, target: str, detail: str,
               prev_hash: str) -> str:  # fmt: skip
    """SHA-256 (hex) of the canonical serialisation of an entry: a compact JSON array of its fields in a fixed
    order, then the previous entry's hash."""
    payload = [int(entry_id), canonical_time(logged_at), username or "", action or "", target or "", detail or "",
               prev_hash or ""]  # fmt: skip
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _row_hash(row: Sequence[Any]) -> str:
    return entry_hash(row[0], row[1], row[2], row[3], row[4], row[5], row[6] or GENESIS)


# --- the head --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainHead:
    """The newest entry as recorded with each append: how many entries, its number, time and hash."""

    count: int
    id: int
    at: str
    hash: str

    def dumps(self) -> str:
        return json.dumps({"count": self.count, "id": self.id, "at": self.at, "hash": self.hash})

    @classmethod
    def loads(cls, text: str | None) -> ChainHead | None:
        if not text:
            return None
        try:
            value = json.loads(text)
            return cls(int(value["count"]), int(value["id"]), str(value["at"]), str(value["hash"]))
        except (ValueError, KeyError, TypeError):
            return None


async def read_head(client: BaseDBAsyncClient | None = None) -> tuple[bool, ChainHead | None]:
    """(whether the head row exists, the head it holds — None when missing or unreadable)."""
    rows = await sql.fetch("SELECT value FROM setting WHERE key = ?", [HEAD_KEY], client)
    if not rows:
        return False, None
    return True, ChainHead.loads(rows[0][0])


async def _write_head(head: ChainHead, exists: bool, client: BaseDBAsyncClient) -> None:
    if exists:
        await sql.execute("UPDATE setting SET value = ? WHERE key = ?", [head.dumps(), HEAD_KEY], client)
    else:
        await sql.execute("INSERT INTO setting (key, value) VALUES (?, ?)", [HEAD_KEY, head.dumps()], client)


# --- appending -------------------------------------------------------------------------------------------


async def _lock(client: BaseDBAsyncClient) -> None:
    """Serialise appends: SQLite's write transaction (``BEGIN IMMEDIATE``) already does; PostgreSQL takes a
    transaction-level advisory lock, released at commit or rollback."""
    if sql.dialect(client) == "postgres":
        await sql.fetch("SELECT pg_advisory_xact_lock(?)", [PG_LOCK_KEY], client)


async def _append(client: BaseDBAsyncClient, logged_at: object, username: str, action: str, target: str,
                  detail: str) -> int:  # fmt: skip
    """Append one entry at the end of the chain (the lock is taken here); returns its number."""
    await _lock(client)
    exists, head = await read_head(client)
    last = await sql.fetch("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", (), client)
    last_id = int(last[0][0]) if last else 0
    if head is not None:  # continue from the recorded head: entries removed at the end stay evident
        entry_id, prev, count = max(head.id, last_id) + 1, head.hash, head.count + 1
    else:
        entry_id, prev = last_id + 1, (last[0][1] or GENESIS) if last else GENESIS
        count = int(await sql.scalar("SELECT count(*) FROM audit_log", (), client) or 0) + 1
    target, action, username = (target or "")[:120], (action or "")[:32], (username or "")[:60]
    digest = entry_hash(entry_id, logged_at, username, action, target, detail or "", prev)
    await sql.execute(
        f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [entry_id, logged_at, username, action, target, detail or "", prev, digest],
        client,
    )
    await _write_head(ChainHead(count, entry_id, canonical_time(logged_at), digest), exists, client)
    return entry_id


async def log_action(
    username: str, action: str, target: str = "", detail: str = "", client: BaseDBAsyncClient | None = None
) -> None:
    """Append one entry (inside the caller's write transaction when `client` is one, else in its own).
    Passwords in `target` and `detail` (a database URL, ``password=``) are redacted."""
    target, detail = redact(target), redact(detail)
    now = dt.datetime.now().replace(microsecond=0)
    if client is None:
        async with in_transaction() as own:
            await _append(own, now, username, action, target, detail)
        return
    await _append(client, now, username, action, target, detail)


async def recent(limit: int = 100, *, scope: Sequence[str] = (), username: str = "") -> list[dict[str, object]]:
    """The newest entries, newest first. With `scope` (an actor's unit prefixes, `store.scope`): only the
    entries about records of those units (the target starts with one of them) and those of `username`."""
    where, params = "", []
    if scope:
        ranges = " OR ".join("(target >= ? AND target < ?)" for _ in scope)
        where = f" WHERE username = ? OR {ranges}"
        params = [username, *(c for p in scope for c in (p, p[:-1] + chr(ord(p[-1]) + 1)))]
    return await sql.fetch_dicts(
        f"SELECT id, logged_at, username, action, target, detail FROM audit_log{where} ORDER BY id DESC LIMIT ?",
        [*params, limit],
    )


# --- verifying -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a check of the chain. ``entry_id``/``entry_at``: the first broken entry."""

    ok: bool
    count: int
    problem: str = ""
    entry_id: int | None = None
    entry_at: str = ""
    tail: bool = False

    @property
    def message(self) -> str:
        """One line of Chinese for the user."""
        if self.ok:
            if self.tail:
                return f"审计日志最近 {self.count} 条完整，链校验通过。"
            return f"审计日志完整：共 {self.count} 条，链校验通过。"
        return f"审计日志已被改动：{self.problem}"


class _Walker:
    """Checks entries in number order, each against itself and the one before."""

    def __init__(self, prev_id: int | None, prev_hash: str | None) -> None:
        self.prev_id, self.prev_hash = prev_id, prev_hash
        self.count = 0
        self.last_at: object = None
        self.broken: ChainReport | None = None

    def feed(self, row: Sequence[Any]) -> bool:
        """False once a broken entry was found (:attr:`broken`)."""
        entry_id, at, prev, digest = int(row[0]), row[1], row[6], row[7]
        when = shown_time(at)
        if self.prev_id is not None and entry_id != self.prev_id + 1:
            gap = (
                f"第 {self.prev_id + 1} 条"
                if entry_id == self.prev_id + 2
                else f"第 {self.prev_id + 1}–{entry_id - 1} 条"
            )
            self.broken = ChainReport(
                False, self.count, f"第 {entry_id} 条（{when}）之前的{gap}被删除。", entry_id, when
            )
        elif not digest:
            self.broken = ChainReport(False, self.count, f"第 {entry_id} 条（{when}）没有校验值：它是绕过程序插入或替换的。",
                                      entry_id, when)  # fmt: skip
        elif self.prev_hash is not None and (prev or GENESIS) != self.prev_hash:
            self.broken = ChainReport(False, self.count, f"第 {entry_id} 条（{when}）与上一条衔接不上："
                                      "它之前的记录被删除、替换或插入了。", entry_id, when)  # fmt: skip
        elif _row_hash(row) != digest:
            self.broken = ChainReport(False, self.count, f"第 {entry_id} 条（{when}）的内容被改动。", entry_id, when)
        if self.broken is not None:
            return False
        self.prev_id, self.prev_hash, self.last_at = entry_id, digest, at
        self.count += 1
        return True


def _against_head(walker: _Walker, exists: bool, head: ChainHead | None, total: int | None) -> ChainReport | None:
    """A report when the log does not end where its head says (None: it does)."""
    last_id, last_hash = walker.prev_id, walker.prev_hash
    if not exists:
        if last_id is None:
            return None
        return ChainReport(False, walker.count, f"链头记录（{HEAD_KEY}）缺失，无法确认日志是否被截断；"
                           f"现有最后一条为第 {last_id} 条（{shown_time(walker.last_at)}）。", last_id,
                           shown_time(walker.last_at))  # fmt: skip
    if head is None:
        return ChainReport(False, walker.count, f"链头记录（{HEAD_KEY}）被改动，无法读取。")
    when = shown_time(head.at)
    if last_id is None or last_id < head.id:
        first = 1 if last_id is None else last_id + 1
        have = "日志已被清空" if last_id is None else f"现只到第 {last_id} 条"
        return ChainReport(False, walker.count, f"第 {first} 条起的记录被删除（日志被截断）：最后一条应为第 {head.id} 条"
                           f"（{when}），{have}。", first, when)  # fmt: skip
    if last_id > head.id:
        return ChainReport(False, walker.count, f"第 {head.id + 1} 条起的记录不是程序写入的（链头记录止于第 {head.id} 条，"
                           f"{when}）。", head.id + 1)  # fmt: skip
    if last_hash != head.hash:
        return ChainReport(False, walker.count, f"第 {last_id} 条（{shown_time(walker.last_at)}）被替换（与链头记录不符）。",
                           last_id, shown_time(walker.last_at))  # fmt: skip
    if total is not None and total != head.count:
        return ChainReport(False, walker.count, f"日志应有 {head.count} 条，现有 {total} 条：有记录被删除或插入。")
    return None


async def verify_chain(batch: int = 5000) -> ChainReport:
    """Check every entry in number order (hash, link to the one before, no gaps) and that the log ends at its
    recorded head with the recorded count. Reads in batches; nothing is written."""
    walker = _Walker(None, GENESIS)
    after = 0
    while True:
        rows = await sql.fetch(f"SELECT {_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", [after, batch])
        for row in rows:
            if not walker.feed(row):
                assert walker.broken is not None
                return walker.broken
        if len(rows) < batch:
            break
        after = int(rows[-1][0])
    exists, head = await read_head()
    return _against_head(walker, exists, head, walker.count) or ChainReport(True, walker.count)


async def verify_tail(n: int = TAIL) -> ChainReport:
    """Check the newest `n` entries against each other and the head (cheap: for the app's start)."""
    rows = list(reversed(await sql.fetch(f"SELECT {_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT ?", [n])))
    walker = _Walker(None, None)
    if rows:
        walker.prev_hash = rows[0][6] or GENESIS
    for row in rows:
        if not walker.feed(row):
            assert walker.broken is not None
            return walker.broken
    exists, head = await read_head()
    return _against_head(walker, exists, head, None) or ChainReport(True, walker.count, tail=True)


# --- migration -------------------------------------------------------------------------------------------


async def _columns(client: BaseDBAsyncClient) -> set[str]:
    if sql.dialect(client) == "postgres":
        query = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
        return {r[0] for r in await sql.fetch(query, ["audit_log"], client)}
    return {r[1] for r in await sql.fetch("PRAGMA table_info(audit_log)", (), client)}


async def migrate_chain(client: BaseDBAsyncClient) -> None:
    """Schema step 2 → 3: add ``prev_hash`` and ``hash``, install the protection triggers, hash the existing
    entries once in number order and record the head (inside the migration's transaction)."""
    postgres = sql.dialect(client) == "postgres"
    have = await _columns(client)
    for name in ("prev_hash", "hash"):
        if name not in have:
            await client.execute_query(f"ALTER TABLE audit_log ADD COLUMN {name} VARCHAR(64) NULL")
    for stmt in POSTGRES_PROTECTION if postgres else SQLITE_PROTECTION:
        await client.execute_query(stmt)
    # the append-only trigger is lifted for this one pass, inside the migration's transaction
    if postgres:
        await client.execute_query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        await client.execute_query("DROP TRIGGER IF EXISTS audit_log_no_update")
    prev, last, count, after = GENESIS, None, 0, -1
    while True:  # in batches: an old log may hold millions of entries
        query = f"SELECT {_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?"
        rows = await sql.fetch(query, [after, MIGRATION_BATCH], client)
        updates = []
        for row in rows:
            if row[7]:  # already on the chain
                prev = row[7]
            else:
                digest = entry_hash(row[0], row[1], row[2], row[3], row[4], row[5], prev)
                updates.append([prev, digest, row[0]])
                prev = digest
            last, count = row, count + 1
        await sql.execute_many("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", updates, client)
        if len(rows) < MIGRATION_BATCH:
            break
        after = int(rows[-1][0])
    if postgres:
        await client.execute_query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:
        await client.execute_query(
            "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END"
        )
    if last is not None:
        exists, _ = await read_head(client)
        await _write_head(ChainHead(count, int(last[0]), canonical_time(last[1]), prev), exists, client)


# --- restore ---------------------------------------------------------------------------------------------


async def carry_over(source: str | Path | sqlite3.Connection, *, operator: str = "",
                     client: BaseDBAsyncClient | None = None) -> int:  # fmt: skip
    """After a restore: append to the open (restored) database the entries of `source` — the database that was
    replaced, as a file or an open sqlite3 connection — written after the restored backup's newest entry,
    re-chained, then a note entry. Returns how many entries were carried over.

    The restored newest entry is found in `source` by its hash (both databases share the history up to the
    backup); a source without it (older schema, other history) gives the entries later than its time."""
    if client is None:
        async with in_transaction() as own:
            return await carry_over(source, operator=operator, client=own)
    reader = source if isinstance(source, sqlite3.Connection) else None
    if reader is None:
        reader = sqlite3.connect(f"file:{Path(source)}?mode=ro", uri=True, detect_types=sqlite3.PARSE_DECLTYPES)
    try:
        have = {r[1] for r in reader.execute("PRAGMA table_info(audit_log)")}
        last = await sql.fetch("SELECT id, logged_at, hash FROM audit_log ORDER BY id DESC LIMIT 1", (), client)
        cols = "id, logged_at, username, action, target, detail"
        found = None
        if last and last[0][2] and "hash" in have:
            found = reader.execute("SELECT id FROM audit_log WHERE hash = ?", [last[0][2]]).fetchone()
        if not last:
            rows = reader.execute(f"SELECT {cols} FROM audit_log ORDER BY id").fetchall()
        elif found is not None:
            rows = reader.execute(f"SELECT {cols} FROM audit_log WHERE id > ? ORDER BY id", [found[0]]).fetchall()
        else:
            since = canonical_time(last[0][1])
            rows = [
                r for r in reader.execute(f"SELECT {cols} FROM audit_log ORDER BY id") if canonical_time(r[1]) > since
            ]
    finally:
        if reader is not source:
            reader.close()
    for row in rows:
        await _append(client, row[1], row[2], row[3], row[4], row[5])
    name = source if isinstance(source, sqlite3.Connection) else Path(source).name
    await _append(client, dt.datetime.now().replace(microsecond=0), operator or "system", "restore.log",
                  str(name)[-120:], f"恢复前的日志 {len(rows)} 条已保留")  # fmt: skip
    return len(rows)
