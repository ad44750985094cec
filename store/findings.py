"""Writing the stored audit: the ``finding`` table and the date it was run at (setting ``audit_as_of``).

The audit (:mod:`checks.runner`) computes findings; this module is the only place that stores them.
Reading them for the screens is :mod:`store.findings_view`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from tortoise.transactions import in_transaction

from store import sql
from store.settings import get_setting, put_setting

__all__ = ["AS_OF_KEY", "StoredFinding", "replace_findings", "stored_as_of"]

#: the setting holding the reference date of the stored whole-database audit
AS_OF_KEY = "audit_as_of"
#: household codes per ``IN (...)`` statement
CHUNK = 500


class StoredFinding(Protocol):
    """What is stored of a finding (:class:`checks.model.Finding` has these attributes)."""

    rule: str
    severity: str
    scope: str
    household_code: str
    unit: str
    person_key: str | None
    related: Sequence[str]
    fields: Sequence[str]
    message: str
    confirmed: bool


async def stored_as_of() -> dt.date | None:
    """The date the stored audit was run at (None before the first whole-database audit)."""
    text = await get_setting(AS_OF_KEY)
    return dt.date.fromisoformat(text) if text else None


async def replace_findings(
    findings: Iterable[StoredFinding],
    households: Sequence[str] | None,
    as_of: dt.date,
    pins: Mapping[str, str] | None = None,
) -> None:
    """Replace the stored findings in one transaction: all of them (`households` None; the audit date is
    then set to `as_of`), or those of the given households; with them the confirmation `pins` the audit made
    (a whole-database audit replaces the stored pins, a re-audit adds to them)."""
    from store.confirmations import save_pins

    rows = [(f.rule, f.severity, f.scope, f.household_code, f.unit, f.person_key,
             json.dumps(list(f.related), ensure_ascii=False), json.dumps(list(f.fields), ensure_ascii=False),
             f.message, f.confirmed) for f in findings]  # fmt: skip
    async with in_transaction() as client:
        if households is None:
            await sql.execute("DELETE FROM finding", (), client)
            await put_setting(AS_OF_KEY, as_of.isoformat(), client)
        else:
            for start in range(0, len(households), CHUNK):
                chunk = list(households[start : start + CHUNK])
                await sql.execute(f"DELETE FROM finding WHERE household_code IN ({sql.marks(len(chunk))})", chunk,
                                  client)  # fmt: skip
        await sql.execute_many(
            "INSERT INTO finding (rule, severity, scope, household_code, village_code, person_key, related_json, "
            "fields_json, message, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
            client,
        )
        if pins is not None:
            await save_pins(pins, prune=households is None, client=client)
