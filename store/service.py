"""The service layer for interactive writes: one household at a time, as the entry forms save it.

Each save validates the record with the import rules, checks that nobody else changed it since it was
opened (version check), writes it in one ``BEGIN IMMEDIATE`` transaction through the same
:class:`store.bulk.BulkWriter` as imports (so change events and history are kept the same way), appends
to the audit log and returns the stored record. Screens never write models directly.
"""

from __future__ import annotations

import json
from typing import Any

from tortoise.transactions import in_transaction

from store import audit, db
from store.bulk import BulkWriter
from store.errors import ConflictError, StoreError
from store.importer import existing_index
from store.interchange import LineError, household_line, parse_object
from store.records import load_households


def validate(record: dict[str, Any]) -> dict[str, Any]:
    """The record checked and normalised like an imported line; raises :class:`StoreError`."""
    try:
        parsed = parse_object(json.loads(household_line(record)))
    except LineError as error:
        raise StoreError(error.message) from None
    assert parsed.household is not None
    return parsed.household


def _check_versions(record: dict[str, Any], stored: dict[str, Any] | None) -> None:
    if stored is None:
        return
    if "_version" in record and record["_version"] != stored["_version"]:
        raise ConflictError("这一户已被其他人修改。请按 Esc 放弃并重新打开，再录入您的修改。")
    versions = {p["key"]: p["_version"] for p in stored["members"]}
    for person in record["members"]:
        expected = person.get("_version")
        if expected is not None and person["key"] in versions and versions[person["key"]] != expected:
            raise ConflictError(f"{person.get('name') or person['key']} 的记录已被其他人修改。请重新打开后再保存。")


async def save_household(record: dict[str, Any], *, operator: str) -> dict[str, Any]:
    """Validate and store one household record; returns the stored record (with new versions)."""
    clean = validate(record)
    code = clean["household"]["code"]
    async with in_transaction() as client:
        stored = (await load_households([code])).get(code)
        _check_versions(record, stored)
        if stored is not None:
            missing = {p["key"] for p in stored["members"]} - {p["key"] for p in clean["members"]}
            if missing:
                raise StoreError("人员不能直接删除，请办理注销（死亡、迁出等）后保存。")
        if not await db.scalar(
            "SELECT 1 FROM unit WHERE code = ? AND level = 'village'", [clean["household"]["unit"]], client
        ):
            raise StoreError(f"村代码 {clean['household']['unit']} 不存在。请先建立该村。")
        keys = [p["key"] for p in clean["members"]]
        marks = ",".join("?" * len(keys))
        other_codes = [
            r[0]
            for r in await db.fetch(f"SELECT household_id FROM person WHERE key IN ({marks})", keys, client)
            if r[0] != code
        ]
        others = await load_households(other_codes) if other_codes else {}
        writer = BulkWriter(client, operator=operator, source="app")
        known = {p["key"] for p in clean["members"]}
        refs = {p.get(k) for p in clean["members"] for k in ("spouse", "mother", "father")} - {None} - known
        if refs:
            found = {
                r[0]
                for r in await db.fetch(
                    f"SELECT key FROM person WHERE key IN ({','.join('?' * len(refs))})", list(refs), client
                )
            }
            if refs - found:
                raise StoreError(f"引用的人员 {'、'.join(sorted(refs - found))} 不存在。")
        existing = existing_index([*([stored] if stored else []), *others.values()])
        await writer.write([clean], existing)
        await writer.finish()
        counts = writer.counts
        if (
            counts["persons_new"]
            or counts["persons_changed"]
            or counts["households_new"]
            or counts["households_changed"]
        ):
            detail = f"新增 {counts['persons_new']} 人，修改 {counts['persons_changed']} 人，变动 {counts.get('events', 0)} 条"
            await audit.log_action(operator, "save", code, detail, client)
    return (await load_households([code]))[code]


async def log_view(operator: str, household_code: str, person_key: str | None = None) -> None:
    """Record that a person (or household) record was opened."""
    await audit.log_action(operator, "view", household_code, person_key or "")
