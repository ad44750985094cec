"""The inline audit of the forms: one household record (saved or not) at a time.

:func:`load_context` fetches with a few indexed queries what lies outside the record — persons linked to its
members in other households, persons of other households linking to them, duplicate candidates — as a
:class:`RecordContext`; :func:`audit_record` audits the record against it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.auditor import Auditor
from checks.config import DEFAULT_CONFIG, AuditConfig
from checks.drive import drive_async
from checks.model import Context, Finding, PersonView
from checks.plans import CHUNK, Plan, active_ids_with_numbers, id_forms, index_duplicates, load_by_ids, marks
from checks.settings import load_config

__all__ = ["RecordContext", "audit_record", "load_context"]


@dataclass
class RecordContext(Context):
    """A context loaded for some household records, with the confirmation pins of the database."""

    pins: dict[str, str] = field(default_factory=dict)
    households: set[str] = field(default_factory=set)  # households of the persons found (for re-audits)


def audit_record(
    record: dict[str, Any],
    context: Context | None = None,
    as_of: dt.date | None = None,
    *,
    config: AuditConfig = DEFAULT_CONFIG,
    today: dt.date | None = None,
    auditor: Auditor | None = None,
) -> list[Finding]:
    """Findings of one household record (saved or not) given the context outside it (:func:`load_context`)."""
    if auditor is None:
        auditor = Auditor(as_of or dt.date.today(), today=today, config=config,
                          pins=context.pins if isinstance(context, RecordContext) else None)  # fmt: skip
    findings = auditor.audit_household(record, auditor.env(context))
    findings.sort(key=Finding.sort_key)
    return findings


def _context_plan(records: Sequence[dict[str, Any]], config: AuditConfig, as_of: dt.date, dialect: str) -> Plan:
    """Queries for the context of some household records (persons outside them, by index)."""
    local = {p["key"] for r in records for p in r["members"]}
    codes = [r["household"]["code"] for r in records]
    forward = set()
    for record in records:
        for p in record["members"]:
            forward.update(k for k in (p.get("spouse"), p.get("mother"), p.get("father")) if k)
            for c in (p.get("woman") or {}).get("children") or ():
                if c.get("member"):
                    forward.add(c["member"])
    forward -= local
    wanted: set[int] = set()
    keys = sorted(forward)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows = yield (f"SELECT p.id FROM person p WHERE p.key IN ({marks(len(chunk))})", chunk)
        wanted.update(r[0] for r in rows)
    spouse_linkers: dict[str, list[str]] = defaultdict(list)
    children_of: dict[str, list[str]] = defaultdict(list)
    mine = sorted(local)
    for start in range(0, len(mine), CHUNK):
        chunk = mine[start : start + CHUNK]
        holes = marks(len(chunk))
        for column, linkers in (("spouse_id", spouse_linkers), ("mother_id", children_of)):
            # persons outside the household that link to one of its members
            rows = yield (f"SELECT p.id, p.key, t.key FROM person t JOIN person p ON p.{column} = t.id "
                          f"WHERE t.key IN ({holes})", chunk)  # fmt: skip
            for pid, key, target in rows:
                if key not in local:
                    linkers[target].append(key)
                    wanted.add(pid)
    # duplicate candidates of the records' active persons
    probe = Auditor(as_of, config=config)
    env = probe.env()
    forms: set[str] = set()
    nsb: set[tuple[str, str, str, dt.date]] = set()
    for record in records:
        code = record["household"]["code"]
        for p in record["members"]:
            v = PersonView(p, code, env)
            if not v.active:
                continue
            if v.id_canonical:
                forms.update(id_forms(v.id_canonical))
                if v.id_number and v.id_number not in forms:
                    forms.add(v.id_number)
            if v.name and v.sex is not None and v.birth is not None:
                nsb.add((code[:9], v.name, v.sex, v.birth))
    wanted.update((yield from active_ids_with_numbers(forms)))
    for town, name, sex, birth in sorted(nsb, key=repr):
        rows = yield ("SELECT p.id, p.household_id FROM person p WHERE p.birth_date = ? AND p.name = ? AND p.sex = ? "
                      "AND p.cancel_reason IS NULL", (birth, name, sex))  # fmt: skip
        wanted.update(r[0] for r in rows if r[1][:9] == town)
    loaded = yield from load_by_ids(sorted(wanted))
    ctx = RecordContext(spouse_linkers=dict(spouse_linkers), children_of=dict(children_of))
    views = []
    for rec in loaded.values():
        if rec["key"] in local:
            continue
        v = PersonView(rec, rec["_household"], env)
        ctx.persons[rec["key"]] = v
        ctx.households.add(rec["_household"])
        views.append(v)
    # the records' own persons, for one another (a household's own members are always read locally)
    for record in records:
        code = record["household"]["code"]
        for p in record["members"]:
            v = PersonView(p, code, env)
            ctx.persons[v.key] = v
            views.append(v)
            if v.spouse:
                ctx.spouse_linkers.setdefault(v.spouse, []).append(v.key)
            if v.mother:
                ctx.children_of.setdefault(v.mother, []).append(v.key)
    index_duplicates(ctx, views)
    ctx.households -= set(codes)
    return ctx


async def load_context(
    record: dict[str, Any] | Sequence[dict[str, Any]], as_of: dt.date | None = None,
    config: AuditConfig | None = None,
) -> RecordContext:  # fmt: skip
    """Fetch from the database what the audit of a household record (or of several) needs from outside it:
    persons linked by spouse/mother/father/child member keys in other households, persons of other
    households linking to its members as spouse or mother, and duplicate candidates (same ID, or same
    name, sex and birth date in the township)."""
    from store import db
    from store.confirmations import load_pins

    records = [record] if isinstance(record, dict) else list(record)
    config = config or await load_config()
    as_of = as_of or dt.date.today()
    ctx = await drive_async(_context_plan(records, config, as_of, db.dialect()))
    ctx.pins = await load_pins()
    return ctx
