"""The service layer for interactive writes: one household at a time, as the entry forms save it.

Each save validates the record with the import rules, checks that nobody else changed it since it was
opened (version check), writes it in one ``BEGIN IMMEDIATE`` transaction through the same
:class:`store.bulk.BulkWriter` as imports (so change events and history are kept the same way), appends
to the audit log and returns the stored record. Screens never write models directly.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import random
import re
import sqlite3
from typing import Any

from tortoise.exceptions import OperationalError, TransactionManagementError
from tortoise.transactions import in_transaction

from store import audit, db, faults, histories
from store.access import enforce_records
from store.bulk import BulkWriter
from store.errors import ConflictError, StoreError
from store.importer import existing_index
from store.interchange import LineError, household_line, parse_object
from store.records import load_households
from store.scope import Who


def validate(record: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The record checked and normalised like an imported line, and the person keys it refers to;
    raises :class:`StoreError`."""
    try:
        parsed = parse_object(json.loads(household_line(record)))
    except LineError as error:
        raise StoreError(error.message) from None
    assert parsed.household is not None
    for new, old in zip(parsed.household["members"], record["members"], strict=True):
        for kept, given in zip(new["confirmations"], old.get("confirmations") or (), strict=False):
            kept["_record_version"] = given.get("_record_version")  # app confirmations stay tied to a version
    return parsed.household, {ref for ref, _ in parsed.references}


async def _lock(code: str, keys: list[str], client: Any) -> None:
    """Serialise concurrent saves of the same household and persons. SQLite's ``BEGIN IMMEDIATE`` already
    holds the write lock; PostgreSQL needs row locks before the versions are read."""
    if db.dialect(client) != "postgres":
        return
    await db.fetch("SELECT code FROM household WHERE code = ? FOR UPDATE", [code], client)
    if not keys:  # a household left without members (its last ones moved away): nothing more to lock
        return
    marks = ",".join("?" * len(keys))
    await db.fetch(f"SELECT id FROM person WHERE key IN ({marks}) ORDER BY id FOR UPDATE", keys, client)


async def _check_versions(record: dict[str, Any], stored: dict[str, Any] | None, client: Any) -> list[str]:
    """Refuse a save made from a stale copy; returns the codes of other households the members come from.

    Every stored household and every stored person in the record must carry the version it was opened at:
    a copy without versions, or with older ones, would silently overwrite someone else's work."""
    if stored is not None and record.get("_version") != stored["_version"]:
        raise ConflictError(
            "这一户已被其他人修改（或不是从数据库打开的），没有保存。请重新打开这一户，核对后再录入您的修改。"
        )
    keys = [p["key"] for p in record["members"]]
    if not keys:
        return []
    marks = ",".join("?" * len(keys))
    rows = await db.fetch(f"SELECT key, household_id, version FROM person WHERE key IN ({marks})", keys, client)
    found = {r[0]: (r[1], r[2]) for r in rows}
    code = record["household"]["code"]
    for person in record["members"]:
        if person["key"] not in found:
            continue
        household, version = found[person["key"]]
        label = person.get("name") or person["key"]
        if person.get("_version") is None:
            raise ConflictError(f"人员编号 {person['key']} 已被户 {household} 的人员使用。新成员请换一个编号。")
        if person["_version"] != version:
            raise ConflictError(f"{label} 的记录已被其他人修改。请重新打开后再保存。")
    return sorted({h for h, _ in found.values() if h != code})


#: a database held by another writer longer than the busy timeout (another clerk's import, a backup)
BUSY = re.compile(r"locked|busy", re.IGNORECASE)
BUSY_MESSAGE = "数据库正忙（他人正在保存、导入或备份），没有保存。您的录入都还在，请稍后再按 F2 保存。"


async def save_household(record: dict[str, Any], *, operator: str, actor: Who = None) -> dict[str, Any]:
    """Validate and store one household record; returns the stored record (with new versions)."""
    return (await save_households([record], operator=operator, actor=actor))[0]


#: what a failed save keeps: the clerk's input (the form and its draft)
SAVE_KEPT = "您的录入都还在，已有的数据没有丢失，数据库没有改动。"
#: how often a save that PostgreSQL aborted for a race (a deadlock, a serialization failure, the same household
#: or person created by another session at the same moment) is run again before the error is reported
RETRIES = 5


async def save_households(records: list[dict[str, Any]], *, operator: str, actor: Who = None) -> list[dict[str, Any]]:
    """Validate and store several household records in one transaction (e.g. the two households of a
    marriage): all are stored or none. Returns the stored records, in the same order. A record outside the
    `actor`'s units (`store.scope`) refuses the whole save (logged), before anything is read or written.

    On PostgreSQL a save aborted by a race is run again (:data:`RETRIES`): a deadlock never reaches the
    clerk, and a household created by two sessions at once ends, for the loser, in the same
    :class:`ConflictError` SQLite gives. A full disk is a :class:`store.faults.DiskFullError`."""
    await enforce_records(actor, records)
    cleaned = [validate(record) for record in records]
    for attempt in range(RETRIES + 1):
        try:
            await _save_once(records, copy.deepcopy(cleaned), operator)
            break
        except StoreError:
            raise
        except Exception as exc:
            if attempt < RETRIES and (faults.is_retryable(exc) or faults.is_unique_violation(exc)):
                await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
                continue
            busy = (OperationalError, TransactionManagementError, sqlite3.OperationalError)
            if isinstance(exc, busy) and BUSY.search(str(exc)):
                raise StoreError(BUSY_MESSAGE) from None
            failure = faults.translate(exc, what="保存", kept=SAVE_KEPT)
            if failure is not None:
                raise failure from exc
            raise
    return [(await load_households([c["household"]["code"]]))[c["household"]["code"]] for c, _ in cleaned]


async def _save_once(records: list[dict[str, Any]], cleaned: list[tuple[dict[str, Any], set[str]]],
                     operator: str) -> None:  # fmt: skip
    """One attempt: lock, check and write every record in one transaction."""
    async with in_transaction() as client:
        await _lock_keys(cleaned, client)
        for record, (clean, references) in zip(records, cleaned, strict=True):
            await _write(record, clean, references, operator, client)


def lock_id(kind: str, value: str) -> int:
    """A stable signed 64-bit advisory-lock id for a household code or person key."""
    return int.from_bytes(hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=8).digest(), "big", signed=True)


async def _lock_keys(cleaned: list[tuple[dict[str, Any], set[str]]], client: Any) -> None:
    """On PostgreSQL, take a transaction lock on every household code and person key of the save, in one
    fixed order (sorted ids), before anything is read: saves of the same households in opposite order wait
    for each other instead of deadlocking, and two sessions creating the same household are serialised
    (a row lock cannot cover a row that does not exist yet). SQLite's ``BEGIN IMMEDIATE`` already
    serialises every writer."""
    if db.dialect(client) != "postgres":
        return
    ids = {lock_id("household", clean["household"]["code"]) for clean, _ in cleaned}
    ids |= {lock_id("person", person["key"]) for clean, _ in cleaned for person in clean["members"]}
    await db.fetch(
        "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(?::bigint[]) AS k ORDER BY k) AS ordered",
        [sorted(ids)],
        client,
    )


async def _write(record: dict[str, Any], clean: dict[str, Any], references: set[str], operator: str,
                 client: Any) -> None:  # fmt: skip
    """Store one validated household inside the caller's transaction (locks, version check, events, log)."""
    code = clean["household"]["code"]
    keys = [p["key"] for p in clean["members"]]
    await _lock(code, keys, client)
    stored = (await load_households([code])).get(code)
    other_codes = await _check_versions(record, stored, client)
    if stored is not None:
        missing = {p["key"] for p in stored["members"]} - set(keys)
        if missing:
            raise StoreError("人员不能直接删除，请办理注销（死亡、迁出等）后保存。")
    village = clean["household"]["unit"]
    if not await db.scalar("SELECT 1 FROM unit WHERE code = ? AND level = 'village'", [village], client):
        raise StoreError(f"村代码 {village} 不存在。请先建立该村。")
    outside = sorted(references - set(keys))
    if outside:
        marks = ",".join("?" * len(outside))
        found = {r[0] for r in await db.fetch(f"SELECT key FROM person WHERE key IN ({marks})", outside, client)}
        if set(outside) - found:
            raise StoreError(f"引用的人员 {'、'.join(sorted(set(outside) - found))} 不存在。")
    others = await load_households(other_codes) if other_codes else {}
    writer = BulkWriter(client, operator=operator, source="app")
    writer.keep_contraception = False  # the histories below keep every method
    existing = existing_index([*([stored] if stored else []), *others.values()])
    await writer.write([clean], existing)
    await writer.finish()
    for given, kept in zip(record["members"], clean["members"], strict=True):
        if given.get(histories.HINT):
            kept[histories.HINT] = given[histories.HINT]
    await histories.feed(clean, existing, writer.key_ids, client)
    counts = writer.counts
    if any(counts[k] for k in ("persons_new", "persons_changed", "households_new", "households_changed")):
        detail = (
            f"新增 {counts['persons_new']} 人，修改 {counts['persons_changed']} 人，变动 {counts.get('events', 0)} 条"
        )
        await audit.log_action(operator, "save", code, detail, client)


async def log_view(operator: str, household_code: str, person_key: str | None = None) -> None:
    """Record that a person (or household) record was opened."""
    await audit.log_action(operator, "view", household_code, person_key or "")
