"""Confirmation pins: how an imported confirmation (no record version) is tied to the values it confirmed.

Plain Python, used by the rule runner (:class:`checks.auditor.Auditor`); the pins are stored by
:mod:`store.confirmations`. See :mod:`checks.confirm` for what a confirmation silences.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from store.interchange import to_plain
from store.paths import value_at

__all__ = ["digest", "is_confirmed", "pin_key"]


def digest(record: dict[str, Any], fields: list[str] | tuple[str, ...]) -> str:
    """A digest of the values of `fields` in a person record."""
    values = [[path, to_plain(value_at(record, path))] for path in sorted(fields)]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:20]


def pin_key(person_key: str, rule: str, fields: list[str] | tuple[str, ...]) -> str:
    """The key of a pin: person, rule and the confirmed fields."""
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
