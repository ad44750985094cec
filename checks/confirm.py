"""Confirmation of warnings (核实无误).

Only W findings can be confirmed, with a reason. A confirmation silences the warning of its rule and
fields on its person — the finding is still reported, with ``confirmed: true`` — until the record changes:

* **Confirmed in the app** (:func:`confirm`): the confirmation stores the person's current
  ``version`` (`Confirmation.record_version`). Every write of a person bumps its version, so once the
  record changes the stored version differs and the warning is reported unconfirmed again.
* **Imported from a file** (``record_version`` NULL): the file cannot tie it to a version of this
  database, so it is tied to the *values* of its ``fields``. The first audit that sees it pins a digest of
  those values (setting ``confirmation_pins``, keyed by person key, rule and fields); it silences while
  the values keep that digest, i.e. until one of its fields changes. A confirmation without fields is
  pinned on the finding's fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from store.interchange import to_plain
from store.paths import value_at

__all__ = ["PINS_KEY", "confirm", "digest", "is_confirmed", "load_pins", "value_at"]

PINS_KEY = "confirmation_pins"


def digest(record: dict[str, Any], fields: list[str] | tuple[str, ...]) -> str:
    """A digest of the values of `fields` in a person record."""
    values = [[path, to_plain(value_at(record, path))] for path in sorted(fields)]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:20]


def pin_key(person_key: str, rule: str, fields: list[str] | tuple[str, ...]) -> str:
    return f"{person_key}|{rule}|{','.join(sorted(fields))}"


def is_confirmed(finding: Any, record: dict[str, Any], pins: dict[str, str], new_pins: dict[str, str]) -> bool:
    """Whether one of the record's confirmations silences `finding` (a W finding of this person)."""
    for conf in record.get("confirmations") or ():
        if conf.get("rule") != finding.rule:
            continue
        fields = list(conf.get("fields") or ())
        if fields and set(fields) != set(finding.fields):
            continue
        version = conf.get("_record_version")
        if version is not None:
            if version == record.get("_version"):
                return True
            continue
        fields = fields or list(finding.fields)
        key = pin_key(record["key"], finding.rule, fields)
        value = digest(record, fields)
        pinned = pins.get(key)
        if pinned is None:
            pins[key] = new_pins[key] = value
            return True
        new_pins.setdefault(key, pinned)
        if pinned == value:
            return True
    return False


async def load_pins() -> dict[str, str]:
    from store.schema import get_setting

    text = await get_setting(PINS_KEY)
    return json.loads(text) if text else {}


async def save_pins(auditor: Any, *, prune: bool = False) -> None:
    """Store the pins an audit made (with `prune`, keep only the pins it used)."""
    from store.schema import set_setting

    if not auditor.new_pins and not prune:
        return
    pins = dict(auditor.new_pins) if prune else {**await load_pins(), **auditor.new_pins}
    await set_setting(PINS_KEY, json.dumps(pins, ensure_ascii=False, sort_keys=True))


async def confirm(person_key: str, rule: str, fields: list[str] | None, reason: str, user: str) -> Any:
    """Confirm a warning as correct (核实无误); returns the now confirmed finding.

    Raises :class:`store.errors.StoreError` (Chinese message) when the rule is not a warning, the reason is
    empty, or the person has no such warning now."""
    from tortoise.transactions import in_transaction

    from checks.registry import all_rules
    from checks.runner import reaudit_households
    from store import audit, db
    from store.errors import StoreError

    found = all_rules().get(rule)
    if found is None:
        raise StoreError(f"没有规则 {rule}。")
    if found.severity != "W":
        raise StoreError(
            f"{rule}（{found.title}）是{'错误' if found.severity == 'E' else '提示'}，只有预警（W）可以核实无误。"
        )
    if not reason or not reason.strip():
        raise StoreError("请填写核实无误的理由。")
    rows = await db.fetch("SELECT id, household_id, version FROM person WHERE key = ?", [person_key])
    if not rows:
        raise StoreError(f"人员 {person_key} 不存在。")
    pid, household, version = rows[0][0], rows[0][1], rows[0][2]
    current = [f for f in await reaudit_households([household]) if f.person_key == person_key and f.rule == rule]
    if fields:
        current = [f for f in current if set(f.fields) == set(fields)]
    if not current:
        raise StoreError(f"人员 {person_key} 当前没有 {rule}（{found.title}）预警，无需核实。")
    target = current[0]
    paths = list(fields or target.fields)
    now = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
    async with in_transaction() as client:
        await db.execute(
            "INSERT INTO confirmation (person_id, rule, fields_json, reason, confirmed_by, confirmed_at, record_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [pid, rule, json.dumps(paths, ensure_ascii=False), reason.strip(), user, now, version],
            client,
        )
        await audit.log_action(user, "confirm", person_key, f"{rule} {','.join(paths)}：{reason.strip()}", client)
    for f in await reaudit_households([household]):
        if f.person_key == person_key and f.rule == rule and set(f.fields) == set(paths):
            return f
    return target
