"""Writing confirmations of warnings (核实无误) and the confirmation pins.

The rules of confirming live in :mod:`checks.confirm`; this module stores what they decide:

* :func:`add_confirmation` — a confirmation of a person's warning, with its audit-log entry, in one
  transaction;
* :func:`load_pins` / :func:`save_pins` — the digests that tie imported confirmations to the values they
  confirmed (setting ``confirmation_pins``); saving merges into the stored pins in one write transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from store import audit, sql
from store.settings import get_json, put_json, update_json

__all__ = ["PINS_KEY", "PersonVersion", "add_confirmation", "load_pins", "person_version", "save_pins"]

PINS_KEY = "confirmation_pins"


@dataclass(frozen=True)
class PersonVersion:
    """Where a person is and which version of its record is stored."""

    id: int
    household: str
    version: int


async def person_version(person_key: str) -> PersonVersion | None:
    """The database id, household and record version of a person (None when there is no such person)."""
    rows = await sql.fetch("SELECT id, household_id, version FROM person WHERE key = ?", [person_key])
    if not rows:
        return None
    return PersonVersion(int(rows[0][0]), str(rows[0][1]), int(rows[0][2]))


async def add_confirmation(
    person: PersonVersion, person_key: str, rule: str, fields: Sequence[str], reason: str, user: str
) -> None:
    """Store a confirmation tied to the person's current record version, and log it, in one transaction."""
    now = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
    async with in_transaction() as client:
        await sql.execute(
            "INSERT INTO confirmation (person_id, rule, fields_json, reason, confirmed_by, confirmed_at, record_version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [person.id, rule, json.dumps(list(fields), ensure_ascii=False), reason, user, now, person.version],
            client,
        )
        await audit.log_action(user, "confirm", person_key, f"{rule} {','.join(fields)}：{reason}", client)


async def load_pins() -> dict[str, str]:
    """The stored confirmation pins (pin key → digest)."""
    return dict(await get_json(PINS_KEY, {}))


async def save_pins(
    new_pins: Mapping[str, str], *, prune: bool = False, client: BaseDBAsyncClient | None = None
) -> None:
    """Store the pins an audit made: merged into the stored ones, or with `prune` (a whole-database audit)
    instead of them, keeping only the pins that audit used (inside the caller's transaction when `client`
    is one)."""
    if prune:
        await put_json(PINS_KEY, dict(new_pins), client)
    elif new_pins:
        await update_json(PINS_KEY, lambda old: {**old, **new_pins}, {}, client)
