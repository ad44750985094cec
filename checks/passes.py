"""The two passes of the whole-database audit, as plans (:mod:`checks.plans`).

* :func:`global_context_plan` — pass one: a handful of SQL queries aggregated by the database find what
  crosses household boundaries (spouse and mother links between households, duplicate-ID and
  same-name-sex-birth candidates) and load views of just those persons into one global
  :class:`~checks.model.Context`;
* :func:`households_plan` — pass two: stream household records in code order, in batches, and audit each
  exactly as :func:`checks.inline.audit_record` would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from checks.auditor import Auditor
from checks.in_force import changed_plan, in_force_plan, overlay_row
from checks.model import Context, Finding, PersonView
from checks.plans import Plan, active_ids_with_numbers, id_forms, index_duplicates, load_by_ids
from checks.rows import (
    BENEFIT_SQL,
    CHILD_STREAM_SQL,
    CONFIRMATION_SQL,
    FATHER,
    HAS_WOMAN,
    HOUSEHOLD,
    ID,
    KEY,
    MOTHER,
    PREGNANCY_SQL,
    SPOUSE,
    STREAM_SQL,
    woman_block,
)
from store.idnumber import parse as parse_id

__all__ = ["BATCH_HOUSEHOLDS", "Progress", "global_context_plan", "households_plan"]

#: called with (households done, households in all) as the audit goes.
Progress = Callable[[int, int], None]
#: households per batch of pass two.
BATCH_HOUSEHOLDS = 2000


def _unusual_id_sql(dialect: str) -> str:
    """Active persons whose number is not stored as 18 plain characters (15-digit, lower-case x, spaces,
    full-width digits): their canonical form is computed in Python."""
    test = "p.id_number ~ '[^0-9X]'" if dialect == "postgres" else "p.id_number GLOB '*[^0-9X]*'"
    return (
        "SELECT p.id, p.id_number FROM person p WHERE p.cancel_reason IS NULL AND p.id_number IS NOT NULL "
        f"AND (length(p.id_number) <> 18 OR {test})"
    )


# Both use the indexes on person (id_number) and (birth_date, name): no sort of the whole table.
_DUP_ID_SQL = (
    "SELECT p.id FROM person p WHERE p.cancel_reason IS NULL AND p.id_number IN (SELECT id_number FROM person "
    "WHERE id_number IS NOT NULL GROUP BY id_number HAVING count(*) > 1)"
)
_DUP_NSB_SQL = (
    "SELECT p.id FROM person p JOIN (SELECT birth_date, name FROM person WHERE birth_date IS NOT NULL "
    "GROUP BY birth_date, name HAVING count(*) > 1) g ON p.birth_date = g.birth_date AND p.name = g.name "
    "WHERE p.cancel_reason IS NULL"
)
_CROSS_SPOUSE_SQL = (
    "SELECT p.id, s.id FROM person p JOIN person s ON s.id = p.spouse_id WHERE s.household_id <> p.household_id"
)
_CROSS_MOTHER_SQL = (
    "SELECT p.id, m.id FROM person p JOIN person m ON m.id = p.mother_id WHERE m.household_id <> p.household_id"
)
_CROSS_MEMBER_SQL = (
    "SELECT c.woman_id, c.member_id FROM child c JOIN person w ON w.id = c.woman_id "
    "JOIN person m ON m.id = c.member_id WHERE m.household_id <> w.household_id"
)


def global_context_plan(auditor: Auditor, dialect: str) -> Plan:
    """Pass one of the whole audit: the global context of cross-household links and duplicate candidates."""
    spouse_links = yield (_CROSS_SPOUSE_SQL, ())
    mother_links = yield (_CROSS_MOTHER_SQL, ())
    member_links = yield (_CROSS_MEMBER_SQL, ())
    dup_ids = yield (_DUP_ID_SQL, ())
    dup_nsb = yield (_DUP_NSB_SQL, ())
    unusual = yield (_unusual_id_sql(dialect), ())
    wanted = {i for r in spouse_links for i in r} | {i for r in mother_links for i in r}
    wanted |= {i for r in member_links for i in r} | {r[0] for r in dup_ids} | {r[0] for r in dup_nsb}
    wanted |= {r[0] for r in unusual}
    forms: set[str] = set()
    for _, raw in unusual:  # find the differently spelt twins of these numbers by index
        info = parse_id(raw)
        if info.format_ok and info.canonical:
            forms.update(id_forms(info.canonical))
    wanted.update((yield from active_ids_with_numbers(forms)))
    records = yield from load_by_ids(sorted(wanted))
    env = auditor.env()
    ctx = Context()
    key_of = ctx.keys_by_id
    for pid, rec in records.items():
        ctx.persons[rec["key"]] = auditor.view(rec, rec["_household"], env)
        key_of[pid] = rec["key"]
    for src, dst in spouse_links:
        ctx.spouse_linkers.setdefault(key_of[dst], []).append(key_of[src])
    for child, mother in mother_links:
        ctx.children_of.setdefault(key_of[mother], []).append(key_of[child])
    index_duplicates(ctx, ctx.persons.values(), 2)
    return ctx


def households_plan(auditor: Auditor, ctx: Context, out: list[Finding], progress: Progress | None,
                     total: int, after: str = "", upto: str = "\uffff") -> Plan:  # fmt: skip
    """Pass two: stream the households in code order (those after `after`, up to `upto`) and audit each."""
    done = persons = 0
    env = auditor.env(ctx)
    changed: set[int] | None = None  # persons whose state on the audit date may differ (`checks.in_force`)
    while True:
        rows = yield ("SELECT code, village_id, group_code, kind, status, closed_date FROM household "
                      "WHERE code > ? AND code <= ? ORDER BY code LIMIT ?", (after, upto, BATCH_HOUSEHOLDS))  # fmt: skip
        if not rows:
            return done, persons
        first, last = rows[0][0], rows[-1][0]
        records = {r[0]: {"household": {"code": r[0], "unit": r[1], "group": r[2], "kind": r[3], "status": r[4],
                                        "closed_date": r[5]}, "members": []} for r in rows}  # fmt: skip
        params = (first, last)
        prow = yield (STREAM_SQL + "WHERE p.household_id >= ? AND p.household_id <= ? "
                      "ORDER BY p.household_id, p.seq, p.id", params)  # fmt: skip
        if changed is None:
            changed = yield from changed_plan(auditor.as_of)
        then = (yield from in_force_plan([r[ID] for r in prow if r[ID] in changed])) if changed else {}
        if then:  # persons whose state on the audit date differs from today's: read as it was then
            prow = [overlay_row(r, then[r[ID]], auditor.as_of) if r[ID] in then else r for r in prow]
        keys = {r[ID]: r[KEY] for r in prow}
        global_keys = ctx.keys_by_id
        women: dict[int, dict[str, Any]] = {}
        for r in prow:
            if r[HAS_WOMAN]:
                women[r[ID]] = woman_block(r)
        hist = "w.household_id >= ? AND w.household_id <= ?"
        if women:
            for r in (yield (CHILD_STREAM_SQL + f"WHERE {hist} ORDER BY c.woman_id, c.seq", params)):
                woman = women.get(r[0])
                if woman is not None:
                    member = None if r[9] is None else keys.get(r[9]) or global_keys.get(r[9])
                    woman["children"].append({
                        "order": r[1], "name": r[2], "sex": r[3], "birth_date": r[4], "policy": r[5],
                        "blood": r[6], "alive": None if r[7] is None else bool(r[7]),
                        "disabled_grade": r[8], "member": member})  # fmt: skip
            for r in (yield (PREGNANCY_SQL + f"WHERE {hist} ORDER BY g.woman_id, g.seq", params)):
                woman = women.get(r[0])
                if woman is not None:
                    woman["pregnancies"].append({"lmp": r[1], "edd": r[2], "outcome": r[3], "outcome_date": r[4]})
        extras: dict[int, tuple[list[Any], list[Any]]] = {}
        for r in (yield (BENEFIT_SQL + f"WHERE {hist} ORDER BY b.person_id, b.id", params)):
            extras.setdefault(r[0], ([], []))[0].append({"kind": r[1], "since": r[2]})
        for r in (yield (CONFIRMATION_SQL + f"WHERE {hist} ORDER BY c.person_id, c.id", params)):
            extras.setdefault(r[0], ([], []))[1].append({
                "rule": r[1], "fields": json.loads(r[2] or "[]"), "reason": r[3], "by": r[4], "at": r[5],
                "_record_version": r[6]})  # fmt: skip
        members: dict[str, list[PersonView]] = {}
        for r in prow:
            sid, mid, fid = r[SPOUSE], r[MOTHER], r[FATHER]
            links = (sid and (keys.get(sid) or global_keys.get(sid)), mid and (keys.get(mid) or global_keys.get(mid)),
                     fid and (keys.get(fid) or global_keys.get(fid)))  # fmt: skip
            pid, code = r[ID], r[HOUSEHOLD]
            view = PersonView.from_row(r, links, women.get(pid), extras.get(pid), code, env)  # type: ignore[arg-type]
            members.setdefault(code, []).append(view)
        for code, record in records.items():
            views = members.get(code, [])
            out.extend(auditor.audit_views(record, views, env))
            persons += len(views)
        done += len(rows)
        after = last
        if progress:
            progress(done, total)
