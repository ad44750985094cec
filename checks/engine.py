"""The audit engine: one household record at a time, with the context of what lies outside it.

* :func:`audit_record` audits one household record — saved or not — against a :class:`Context`
  (:func:`load_context` fetches it with a few indexed queries). This is the inline audit of the forms.
* :func:`run_audit` audits the whole database and replaces the ``finding`` table. A first, lean pass
  (a handful of SQL queries aggregated by the database) finds what crosses household boundaries —
  spouse and mother links between households, duplicate-ID and same-name-sex-birth candidates — and
  loads views of just those persons into one global :class:`Context`; a second pass streams household
  records in code order, in batches, and audits each exactly as :func:`audit_record` would.
* :func:`reaudit_households` re-audits given households and the households of their partners after a write.

Both passes are written once, as generators that yield SQL queries and receive rows ("sans I/O"): on
SQLite they run in a worker thread over a read-only `sqlite3` connection (fast, and the event loop stays
free), on PostgreSQL over the Tortoise connection.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from checks import confirm as _confirm
from checks.config import DEFAULT_CONFIG, AuditConfig, config_from_json
from checks.model import T_DUP, T_KIDS, T_MOTHER, T_PAIR, Context, Env, Finding, Hit, HouseholdView, PersonView
from checks.registry import Rule, all_rules
from store.idnumber import parse as parse_id

__all__ = [
    "AuditSummary",
    "Auditor",
    "audit_record",
    "load_config",
    "load_context",
    "reaudit_households",
    "run_audit",
]

Progress = Callable[[int, int], None]
BATCH_HOUSEHOLDS = 2000
CHUNK = 500


@dataclass
class AuditSummary:
    """What a whole-database audit found."""

    as_of: dt.date
    households: int = 0
    persons: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> Counter[str]:
        """Findings per severity (confirmed warnings included)."""
        return Counter(f.severity for f in self.findings)


# --- the rule runner ----------------------------------------------------------------------------------


class Auditor:
    """Runs the registry over household records. Plain Python: no database, no Textual."""

    def __init__(
        self,
        as_of: dt.date,
        *,
        today: dt.date | None = None,
        config: AuditConfig = DEFAULT_CONFIG,
        pins: dict[str, str] | None = None,
    ) -> None:
        self.as_of = as_of
        self.today = today or dt.date.today()
        self.config = config
        self.rules = all_rules()
        self.person_rules = [r for r in self.rules.values() if not r.household_level]
        self.household_rules = [r for r in self.rules.values() if r.household_level]
        self.cancelled_rules = [r for r in self.person_rules if r.cancelled_too]
        self._by_mask: dict[int, list[tuple[Any, Rule]]] = {}
        self.pins = dict(pins or {})
        self.new_pins: dict[str, str] = {}

    def env(self, context: Context | None = None) -> Env:
        return Env(self.as_of, self.today, self.config, context or Context())

    def view(self, person: dict[str, Any], household: str, env: Env) -> PersonView:
        return PersonView(person, household, env)

    def _rules_for(self, mask: int, active: bool = True) -> list[tuple[Any, Rule]]:
        """(check, rule) of the rules that apply to a person with these tags (cached per tag set)."""
        slot = mask if active else ~mask
        found = self._by_mask.get(slot)
        if found is None:
            pool = self.person_rules if active else self.cancelled_rules
            found = [(r.check, r) for r in pool if r.needs & mask == r.needs and not r.avoid & mask]
            self._by_mask[slot] = found
        return found

    def audit_household(self, record: dict[str, Any], env: Env) -> list[Finding]:
        """Findings of one household record (its persons' findings and the household's own)."""
        code = record["household"]["code"]
        return self.audit_views(record, [PersonView(m, code, env) for m in record["members"]], env)

    def audit_views(self, record: dict[str, Any], views: list[PersonView], env: Env) -> list[Finding]:
        """Findings of a household given its members' views (``record["household"]`` is read)."""
        code = record["household"]["code"]
        hv = HouseholdView(record, views)
        env.enter(hv)
        ctx = env.context
        spouse_targets = {v.spouse for v in views if v.spouse}
        mothers = {v.mother for v in views if v.mother}
        ids: dict[str, int] = {}
        nsbs: dict[tuple[Any, ...], int] = {}
        if len(views) > 1:
            for v in views:
                if v.active:
                    if v.id_canonical:
                        ids[v.id_canonical] = ids.get(v.id_canonical, 0) + 1
                    nsb = (v.name, v.sex, v.birth)
                    nsbs[nsb] = nsbs.get(nsb, 0) + 1
        by_id, by_nsb, linkers, children_of = ctx.by_id, ctx.by_nsb, ctx.spouse_linkers, ctx.children_of
        town = code[:9]
        rules_for = self._rules_for
        out: list[Finding] = []
        for v in views:
            mask = v.tags
            if v.active:
                key = v.key
                if v.spouse or key in spouse_targets or key in linkers:
                    mask |= T_PAIR
                if mask & T_KIDS or key in mothers or key in children_of:
                    mask |= T_MOTHER
                canon = v.id_canonical
                if (canon is not None and (ids.get(canon, 0) > 1 or canon in by_id)) or (
                    v.name and v.birth and (nsbs.get((v.name, v.sex, v.birth), 0) > 1
                                            or (town, v.name, v.sex, v.birth) in by_nsb)
                ):  # fmt: skip
                    mask |= T_DUP
                rules = rules_for(mask)
            else:
                rules = rules_for(mask, False)
            found: list[Finding] = []
            for check, r in rules:
                result = check(v, env)
                if result:
                    if isinstance(result, Hit):
                        found.append(self._finding(r, result, code, v))
                    else:
                        found.extend(self._finding(r, h, code, v) for h in result)
            if found:
                out.extend(self._settle(found, v))
        for r in self.household_rules:
            result = r.check(hv, env)
            if result:
                for h in [result] if isinstance(result, Hit) else result:
                    out.append(self._finding(r, h, code, None))
        for v in views:
            v._partners = None  # no reference cycles between views once the household is done
        return out

    def _finding(self, r: Rule, h: Hit, code: str, v: PersonView | None) -> Finding:
        return Finding(
            rule=r.code, severity=r.severity, scope=r.scope, unit=code[:12], household_code=code,
            person_key=v.key if v else None, person_name=v.name if v else None,
            person_id_number=v.id_number if v else None, fields=h.fields if h.fields is not None else r.fields,
            related=h.related, message=r.render(h.params), entry=h.entry,
        )  # fmt: skip

    def _settle(self, found: list[Finding], v: PersonView) -> list[Finding]:
        """Apply the suppression conventions and the confirmations of one person's findings."""
        rules = self.rules
        silenced: set[str] = set()
        pair: dict[str, set[str]] = {}
        for f in found:
            r = rules[f.rule]
            silenced.update(r.suppresses)
            for code in r.suppresses_pair:
                pair.setdefault(code, set()).update(f.related)
        out = []
        for f in found:
            if f.rule in silenced:
                continue
            if f.rule in pair:
                kept = tuple(k for k in f.related if k not in pair[f.rule])
                if not kept:
                    continue
                f.related = kept
            out.append(f)
        if v.rec.get("confirmations"):
            for f in out:
                if f.severity == "W":
                    f.confirmed = _confirm.is_confirmed(f, v.rec, self.pins, self.new_pins)
        return out


# --- records from rows ----------------------------------------------------------------------------------


_PERSON_SQL = (
    "SELECT p.id, p.key, p.household_id, p.seq, p.name, p.id_type, p.id_number, p.sex, p.birth_date, "
    "p.relation, p.ethnicity, p.hukou_nature, p.rural, p.marital_status, p.first_marriage_date, "
    "p.marriage_change_date, p.spouse_ext_name, p.spouse_ext_id_number, p.spouse_ext_place_code, p.mgmt, "
    "p.registered_place_code, p.flow_type, p.flow_since, p.flow_place_code, p.flow_place, "
    "p.moved_in_date, p.moved_in_from_code, p.death_date, p.cancel_reason, p.cancel_date, "
    "p.has_woman_record, p.contraception_method, p.contraception_since, p.contraception_failure, "
    "p.only_child_cert_number, p.only_child_cert_date, p.version, "
    "s.key, m.key, f.key FROM person p LEFT JOIN person s ON s.id = p.spouse_id "
    "LEFT JOIN person m ON m.id = p.mother_id LEFT JOIN person f ON f.id = p.father_id "
)
_STREAM_SQL = _PERSON_SQL.split("s.key, m.key")[0] + "p.spouse_id, p.mother_id, p.father_id FROM person p "
_CHILD_STREAM_SQL = (
    "SELECT c.woman_id, c.birth_order, c.name, c.sex, c.birth_date, c.policy, c.blood, c.alive, "
    "c.disabled_grade, c.member_id FROM child c JOIN person w ON w.id = c.woman_id "
)
_CHILD_SQL = (
    "SELECT c.woman_id, c.birth_order, c.name, c.sex, c.birth_date, c.policy, c.blood, c.alive, c.disabled_grade, "
    "mem.key FROM child c JOIN person w ON w.id = c.woman_id LEFT JOIN person mem ON mem.id = c.member_id "
)
_PREGNANCY_SQL = (
    "SELECT g.woman_id, g.lmp, g.edd, g.outcome, g.outcome_date FROM pregnancy g JOIN person w ON w.id = g.woman_id "
)
_BENEFIT_SQL = "SELECT b.person_id, b.kind, b.since FROM benefit b JOIN person w ON w.id = b.person_id "
_CONFIRMATION_SQL = (
    "SELECT c.person_id, c.rule, c.fields_json, c.reason, c.confirmed_by, c.confirmed_at, c.record_version "
    "FROM confirmation c JOIN person w ON w.id = c.person_id "
)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def person_record(r: Sequence[Any], spouse: str | None, mother: str | None, father: str | None) -> dict[str, Any]:
    """A person record (the keys the rules read, woman history lists empty) from a `_PERSON_SQL` row and
    the keys of the linked persons."""
    (pid, key, _, _, name, id_type, id_number, sex, birth, relation, ethnicity, hukou, rural, marital, married,
     changed, ext_name, ext_id, ext_place, mgmt, place, flow_type, flow_since, flow_code, flow_place, moved_date,
     moved_from, death, cancel_reason, cancel_date, has_woman, *_, version) = r[:37]  # fmt: skip
    woman = _woman_block(r) if has_woman else None
    return {
        "key": key, "name": name, "id_type": id_type, "id_number": id_number, "sex": sex, "birth_date": birth,
        "relation": relation, "ethnicity": ethnicity, "hukou_nature": hukou,
        "rural": None if rural is None else bool(rural), "marital_status": marital, "first_marriage_date": married,
        "marriage_change_date": changed, "spouse": spouse, "mother": mother, "father": father,
        "spouse_external": None if ext_name is None and ext_id is None and ext_place is None
        else {"name": ext_name, "id_number": ext_id, "registered_place_code": ext_place},
        "mgmt": mgmt, "registered_place_code": place,
        "flow": None if flow_type is None
        else {"type": flow_type, "since": flow_since, "place_code": flow_code, "place": flow_place},
        "moved_in": None if moved_date is None and moved_from is None else {"date": moved_date, "from_code": moved_from},
        "death_date": death, "cancel": None if cancel_reason is None else {"reason": cancel_reason, "date": cancel_date},
        "benefits": [], "confirmations": [], "woman": woman, "_id": pid, "_version": version,
    }  # fmt: skip


def _woman_block(r: Sequence[Any]) -> dict[str, Any]:
    """The woman block (histories empty) of a person row that has a woman record."""
    method, since, failure, number, date = r[31], r[32], r[33], r[34], r[35]
    return {
        "children": [], "pregnancies": [],
        "contraception": None if method is None and since is None and failure is None
        else {"method": method, "since": since, "failure": failure},
        "only_child_certificate": None if number is None and date is None else {"number": number, "date": date},
    }  # fmt: skip


def _attach(persons: dict[int, dict[str, Any]], children: Iterable[Sequence[Any]], pregnancies: Iterable[Sequence[Any]],
            benefits: Iterable[Sequence[Any]], confirmations: Iterable[Sequence[Any]]) -> None:  # fmt: skip
    """Put history rows on their persons (rows of persons not in `persons` are ignored)."""
    for r in children:
        person = persons.get(r[0])
        if person is not None and person["woman"] is not None:
            person["woman"]["children"].append({
                "order": r[1], "name": r[2], "sex": r[3], "birth_date": r[4], "policy": r[5], "blood": r[6],
                "alive": _bool(r[7]), "disabled_grade": r[8], "member": r[9]})  # fmt: skip
    for r in pregnancies:
        person = persons.get(r[0])
        if person is not None and person["woman"] is not None:
            person["woman"]["pregnancies"].append({"lmp": r[1], "edd": r[2], "outcome": r[3], "outcome_date": r[4]})
    for r in benefits:
        person = persons.get(r[0])
        if person is not None:
            person["benefits"].append({"kind": r[1], "since": r[2]})
    for r in confirmations:
        person = persons.get(r[0])
        if person is not None:
            person["confirmations"].append({"rule": r[1], "fields": json.loads(r[2] or "[]"), "reason": r[3],
                                            "by": r[4], "at": r[5], "_record_version": r[6]})  # fmt: skip


# --- query plans (generators yielding SQL, receiving rows) ------------------------------------------------

Query = tuple[str, Sequence[Any]]
Plan = Generator[Query, list[Any], Any]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _load_persons(where: str, params: Sequence[Any], order: str = "") -> Plan:
    """Person records (with their histories) selected by a WHERE clause on `p`."""
    rows = yield (_PERSON_SQL + f"WHERE {where} {order}", params)
    persons = {r[0]: person_record(r, r[37], r[38], r[39]) for r in rows}
    if not persons:
        return persons, rows
    hist = where.replace("p.", "w.")
    children = yield (_CHILD_SQL + f"WHERE {hist} ORDER BY c.woman_id, c.seq", params)
    yield from _histories(persons, hist, params, children)
    return persons, rows


def _histories(persons: dict[int, dict[str, Any]], hist: str, params: Sequence[Any], children: list[Any]) -> Plan:
    """Load the pregnancies, benefits and confirmations of `persons` and attach them with `children`."""
    pregnancies = yield (_PREGNANCY_SQL + f"WHERE {hist} ORDER BY g.woman_id, g.seq", params)
    benefits = yield (_BENEFIT_SQL + f"WHERE {hist} ORDER BY b.person_id, b.id", params)
    confirmations = yield (_CONFIRMATION_SQL + f"WHERE {hist} ORDER BY c.person_id, c.id", params)
    _attach(persons, children, pregnancies, benefits, confirmations)


def _load_by_ids(ids: Sequence[int]) -> Plan:
    """Person records by database id, with the household code of each (as ``_household``)."""
    out: dict[int, dict[str, Any]] = {}
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        persons, rows = yield from _load_persons(f"p.id IN ({_marks(len(chunk))})", chunk)
        for r in rows:
            persons[r[0]]["_household"] = r[2]
        out.update(persons)
    return out


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


def _id_forms(canonical: str) -> list[str]:
    """Stored spellings under which a canonical number can be found by an indexed look-up."""
    forms = [canonical]
    if canonical.endswith("X"):
        forms.append(canonical[:-1] + "x")
    if len(canonical) == 18 and canonical[6:8] == "19":
        forms.append(canonical[:6] + canonical[8:17])
    return forms


def _active_ids_with_numbers(numbers: set[str]) -> Plan:
    """Ids of the active persons whose stored ID number is one of `numbers` (an index look-up per chunk)."""
    found: set[int] = set()
    listed = sorted(numbers)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        rows = yield (f"SELECT p.id FROM person p WHERE p.cancel_reason IS NULL AND p.id_number IN "
                      f"({_marks(len(chunk))})", chunk)  # fmt: skip
        found.update(r[0] for r in rows)
    return found


def _global_context_plan(auditor: Auditor, dialect: str) -> Plan:
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
            forms.update(_id_forms(info.canonical))
    wanted.update((yield from _active_ids_with_numbers(forms)))
    records = yield from _load_by_ids(sorted(wanted))
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
    _index_duplicates(ctx, ctx.persons.values(), 2)
    return ctx


def _index_duplicates(ctx: Context, views: Iterable[PersonView], least: int = 1) -> None:
    """Fill the duplicate indexes of a context with the active persons among `views` (groups of at least
    `least` persons)."""
    by_id: dict[str, list[str]] = defaultdict(list)
    by_nsb: dict[tuple[str, str, str, dt.date], list[str]] = defaultdict(list)
    for v in views:
        if not v.active:
            continue
        if v.id_canonical:
            by_id[v.id_canonical].append(v.key)
        if v.name and v.sex is not None and v.birth is not None:
            by_nsb[(v.household[:9], v.name, v.sex, v.birth)].append(v.key)
    ctx.by_id.update((k, v) for k, v in by_id.items() if len(v) >= least)
    ctx.by_nsb.update((k, v) for k, v in by_nsb.items() if len(v) >= least)


def _households_plan(auditor: Auditor, ctx: Context, out: list[Finding], progress: Progress | None,
                     total: int, after: str = "", upto: str = "\uffff") -> Plan:  # fmt: skip
    """Pass two: stream the households in code order (those after `after`, up to `upto`) and audit each."""
    done = persons = 0
    env = auditor.env(ctx)
    while True:
        rows = yield ("SELECT code, village_id, group_code, kind, status, closed_date FROM household "
                      "WHERE code > ? AND code <= ? ORDER BY code LIMIT ?", (after, upto, BATCH_HOUSEHOLDS))  # fmt: skip
        if not rows:
            return done, persons
        first, last = rows[0][0], rows[-1][0]
        records = {r[0]: {"household": {"code": r[0], "unit": r[1], "group": r[2], "kind": r[3], "status": r[4],
                                        "closed_date": r[5]}, "members": []} for r in rows}  # fmt: skip
        params = (first, last)
        prow = yield (_STREAM_SQL + "WHERE p.household_id >= ? AND p.household_id <= ? "
                      "ORDER BY p.household_id, p.seq, p.id", params)  # fmt: skip
        keys = {r[0]: r[1] for r in prow}
        global_keys = ctx.keys_by_id
        women: dict[int, dict[str, Any]] = {}
        for r in prow:
            if r[30]:
                women[r[0]] = _woman_block(r)
        hist = "w.household_id >= ? AND w.household_id <= ?"
        if women:
            for r in (yield (_CHILD_STREAM_SQL + f"WHERE {hist} ORDER BY c.woman_id, c.seq", params)):
                woman = women.get(r[0])
                if woman is not None:
                    member = None if r[9] is None else keys.get(r[9]) or global_keys.get(r[9])
                    woman["children"].append({
                        "order": r[1], "name": r[2], "sex": r[3], "birth_date": r[4], "policy": r[5],
                        "blood": r[6], "alive": None if r[7] is None else bool(r[7]),
                        "disabled_grade": r[8], "member": member})  # fmt: skip
            for r in (yield (_PREGNANCY_SQL + f"WHERE {hist} ORDER BY g.woman_id, g.seq", params)):
                woman = women.get(r[0])
                if woman is not None:
                    woman["pregnancies"].append({"lmp": r[1], "edd": r[2], "outcome": r[3], "outcome_date": r[4]})
        extras: dict[int, tuple[list[Any], list[Any]]] = {}
        for r in (yield (_BENEFIT_SQL + f"WHERE {hist} ORDER BY b.person_id, b.id", params)):
            extras.setdefault(r[0], ([], []))[0].append({"kind": r[1], "since": r[2]})
        for r in (yield (_CONFIRMATION_SQL + f"WHERE {hist} ORDER BY c.person_id, c.id", params)):
            extras.setdefault(r[0], ([], []))[1].append({
                "rule": r[1], "fields": json.loads(r[2] or "[]"), "reason": r[3], "by": r[4], "at": r[5],
                "_record_version": r[6]})  # fmt: skip
        members: dict[str, list[PersonView]] = {}
        for r in prow:
            sid, mid, fid = r[37], r[38], r[39]
            links = (sid and (keys.get(sid) or global_keys.get(sid)), mid and (keys.get(mid) or global_keys.get(mid)),
                     fid and (keys.get(fid) or global_keys.get(fid)))  # fmt: skip
            pid, code = r[0], r[2]
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


# --- drivers ----------------------------------------------------------------------------------------------


class _NoCyclicGC:
    """The audit allocates millions of short-lived, acyclic objects; the cyclic collector would spend a quarter
    of the time walking them. It is paused for the run (reference counting still frees everything)."""

    def __enter__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            gc.enable()


def _drive_sync(plan: Plan, conn: Any) -> Any:
    with _NoCyclicGC():
        try:
            query = next(plan)
            while True:
                sql, params = query
                query = plan.send(conn.execute(sql, list(params)).fetchall())
        except StopIteration as stop:
            return stop.value


async def _drive_async(plan: Plan, client: Any = None) -> Any:
    from store import db

    with _NoCyclicGC():
        try:
            query = next(plan)
            while True:
                sql, params = query
                query = plan.send(await db.fetch(sql, params, client))
        except StopIteration as stop:
            return stop.value


def _sqlite_path() -> str | None:
    """The file of the open SQLite database (None on PostgreSQL or for an in-memory database)."""
    from store import db

    if db.dialect() != "sqlite":
        return None
    path = getattr(db.conn(), "filename", None)
    return None if not path or path == ":memory:" else str(path)


def _open_reader(path: str) -> Any:
    import sqlite3

    import store.sqlite_engine  # noqa: F401  (registers the DATE converters)

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, detect_types=sqlite3.PARSE_DECLTYPES,
                           check_same_thread=False)  # fmt: skip
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("BEGIN")  # one consistent snapshot for both passes
    return conn


async def _run(plans: Callable[[], Plan]) -> Any:
    """Run a plan against the open database: in a worker thread over sqlite3, or over Tortoise."""
    path = _sqlite_path()
    if path is not None:

        def work() -> Any:
            conn = _open_reader(path)
            try:
                return _drive_sync(plans(), conn)
            finally:
                conn.close()

        return await asyncio.to_thread(work)
    from tortoise.transactions import in_transaction

    async with in_transaction() as client:
        return await _drive_async(plans(), client)


# --- several processes (SQLite) --------------------------------------------------------------------------

#: households below which the whole audit stays in one process.
PARALLEL_THRESHOLD = 20_000


def _workers(households: int) -> int:
    """How many processes audit a database of this size (``RENKOU_AUDIT_WORKERS`` overrides)."""
    import os

    text = os.environ.get("RENKOU_AUDIT_WORKERS")
    if text and text.isdigit():
        return max(1, int(text))
    if households < PARALLEL_THRESHOLD:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def _audit_range(
    path: str, as_of: dt.date, today: dt.date, config: AuditConfig, pins: dict[str, str], after: str, upto: str
) -> tuple[int, int, list[Finding], dict[str, str]]:
    """One worker process: the global context, then the households in (after, upto]."""
    auditor = Auditor(as_of, today=today, config=config, pins=pins)
    findings: list[Finding] = []

    def plans() -> Plan:
        ctx = yield from _global_context_plan(auditor, "sqlite")
        return (yield from _households_plan(auditor, ctx, findings, None, 0, after, upto))

    conn = _open_reader(path)
    try:
        households, persons = _drive_sync(plans(), conn)
    finally:
        conn.close()
    return households, persons, findings, auditor.new_pins


async def _run_parallel(
    path: str, auditor: Auditor, workers: int, total: int, progress: Progress | None
) -> tuple[int, int, list[Finding], dict[str, str]]:
    """Split the households into `workers` code ranges, each audited by a ``python -m checks.worker``
    process (a plain subprocess: no multiprocessing start-method pitfalls, nothing imported but `checks`)."""
    import os
    import pickle
    import sys
    from pathlib import Path

    from store import db

    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}

    bounds = [""]
    for i in range(1, workers):
        rows = await db.fetch("SELECT code FROM household ORDER BY code LIMIT 1 OFFSET ?", [total * i // workers])
        if rows and rows[0][0] > bounds[-1]:
            bounds.append(rows[0][0])
    bounds.append("\uffff")

    async def one(low: str, high: str) -> tuple[int, int, list[Finding], dict[str, str]]:
        job = (path, auditor.as_of, auditor.today, auditor.config, auditor.pins, low, high)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "checks.worker", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        out, err = await proc.communicate(pickle.dumps(job))
        if proc.returncode != 0:
            raise RuntimeError(f"审核子进程失败：{err.decode(errors='replace').strip()[-500:]}")
        return pickle.loads(out)

    households = persons = 0
    findings: list[Finding] = []
    pins: dict[str, str] = {}
    for job in asyncio.as_completed([one(low, high) for low, high in pairwise(bounds)]):
        h, n, found, made = await job
        households += h
        persons += n
        findings.extend(found)
        pins.update(made)
        if progress:
            progress(households, total)
    return households, persons, findings, pins


# --- public API ---------------------------------------------------------------------------------------------


async def load_config() -> AuditConfig:
    """The configuration of the open database (``setting`` ``audit_config`` JSON over the defaults)."""
    from store.schema import get_setting

    return config_from_json(await get_setting("audit_config"))


async def run_audit(
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    *,
    config: AuditConfig | None = None,
    today: dt.date | None = None,
    store: bool = True,
) -> AuditSummary:
    """Audit the whole database at `as_of` (default today); replace the ``finding`` table."""
    from store import db

    start = time.perf_counter()
    today = today or dt.date.today()
    as_of = as_of or today
    config = config or await load_config()
    auditor = Auditor(as_of, today=today, config=config, pins=await _confirm.load_pins())
    total = int(await db.scalar("SELECT count(*) FROM household") or 0)
    dialect = db.dialect()
    findings: list[Finding] = []

    def plans() -> Plan:
        ctx = yield from _global_context_plan(auditor, dialect)
        return (yield from _households_plan(auditor, ctx, findings, progress, total))

    path = _sqlite_path()
    workers = _workers(total)
    if path is not None and workers > 1:
        households, persons, findings, pins = await _run_parallel(path, auditor, workers, total, progress)
        auditor.new_pins.update(pins)
    else:
        households, persons = await _run(plans)
    findings.sort(key=Finding.sort_key)
    if store:
        await _store(findings, None, as_of)
        await _confirm.save_pins(auditor, prune=True)
    return AuditSummary(as_of, households, persons, findings, time.perf_counter() - start)


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


@dataclass
class RecordContext(Context):
    """A context loaded for some household records, with the confirmation pins of the database."""

    pins: dict[str, str] = field(default_factory=dict)
    households: set[str] = field(default_factory=set)  # households of the persons found (for re-audits)


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
        rows = yield (f"SELECT p.id FROM person p WHERE p.key IN ({_marks(len(chunk))})", chunk)
        wanted.update(r[0] for r in rows)
    spouse_linkers: dict[str, list[str]] = defaultdict(list)
    children_of: dict[str, list[str]] = defaultdict(list)
    mine = sorted(local)
    for start in range(0, len(mine), CHUNK):
        chunk = mine[start : start + CHUNK]
        marks = _marks(len(chunk))
        rows = yield (f"SELECT p.id, p.key, t.key FROM person t JOIN person p ON p.spouse_id = t.id "
                      f"WHERE t.key IN ({marks})", chunk)  # fmt: skip
        for pid, key, target in rows:
            if key not in local:
                spouse_linkers[target].append(key)
                wanted.add(pid)
        rows = yield (f"SELECT p.id, p.key, t.key FROM person t JOIN person p ON p.mother_id = t.id "
                      f"WHERE t.key IN ({marks})", chunk)  # fmt: skip
        for pid, key, target in rows:
            if key not in local:
                children_of[target].append(key)
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
                forms.update(_id_forms(v.id_canonical))
                if v.id_number and v.id_number not in forms:
                    forms.add(v.id_number)
            if v.name and v.sex is not None and v.birth is not None:
                nsb.add((code[:9], v.name, v.sex, v.birth))
    wanted.update((yield from _active_ids_with_numbers(forms)))
    for town, name, sex, birth in sorted(nsb, key=repr):
        rows = yield ("SELECT p.id, p.household_id FROM person p WHERE p.birth_date = ? AND p.name = ? AND p.sex = ? "
                      "AND p.cancel_reason IS NULL", (birth, name, sex))  # fmt: skip
        wanted.update(r[0] for r in rows if r[1][:9] == town)
    loaded = yield from _load_by_ids(sorted(wanted))
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
    _index_duplicates(ctx, views)
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

    records = [record] if isinstance(record, dict) else list(record)
    config = config or await load_config()
    as_of = as_of or dt.date.today()
    ctx = await _drive_async(_context_plan(records, config, as_of, db.dialect()))
    ctx.pins = await _confirm.load_pins()
    return ctx


async def _partner_households(codes: Sequence[str]) -> set[str]:
    """Households whose findings may change when `codes` change: those named by stored findings of `codes`
    (or naming their persons), and those of women whose history links a member of `codes`."""
    from store import db

    found: set[str] = set()
    keys: set[str] = set()
    for start in range(0, len(codes), CHUNK):
        chunk = list(codes[start : start + CHUNK])
        marks = _marks(len(chunk))
        for row in await db.fetch(f"SELECT related_json FROM finding WHERE household_code IN ({marks})", chunk):
            keys.update(json.loads(row[0] or "[]"))
        rows = await db.fetch(
            "SELECT DISTINCT w.household_id FROM child c JOIN person w ON w.id = c.woman_id "
            f"JOIN person m ON m.id = c.member_id WHERE m.household_id IN ({marks})", chunk)  # fmt: skip
        found.update(r[0] for r in rows)
    listed = sorted(keys)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        rows = await db.fetch(f"SELECT DISTINCT household_id FROM person WHERE key IN ({_marks(len(chunk))})", chunk)
        found.update(r[0] for r in rows)
    return found


async def reaudit_households(codes: Sequence[str], as_of: dt.date | None = None) -> list[Finding]:
    """Re-audit households after a write, with the households of their partners (spouses, duplicates,
    mothers and women whose history links them, before and after the write); replaces their findings.
    Returns the new findings of the given households."""
    from store.records import load_households

    codes = list(dict.fromkeys(codes))
    as_of = as_of or await _stored_as_of() or dt.date.today()
    config = await load_config()
    affected = set(codes) | await _partner_households(codes)
    records = await load_households(sorted(affected))
    ctx = await load_context(list(records.values()), as_of, config)
    affected |= ctx.households
    more = sorted(affected - set(records))
    if more:
        records.update(await load_households(more))
        ctx = await load_context(list(records.values()), as_of, config)
    auditor = Auditor(as_of, config=config, pins=ctx.pins)
    env = auditor.env(ctx)
    findings: list[Finding] = []
    for code in sorted(records):
        findings.extend(auditor.audit_household(records[code], env))
    findings.sort(key=Finding.sort_key)
    await _store(findings, sorted(set(records) | set(codes)), as_of)
    await _confirm.save_pins(auditor)
    wanted = set(codes)
    return [f for f in findings if f.household_code in wanted]


async def _stored_as_of() -> dt.date | None:
    from store.schema import get_setting

    text = await get_setting("audit_as_of")
    return dt.date.fromisoformat(text) if text else None


async def _store(findings: list[Finding], households: list[str] | None, as_of: dt.date) -> None:
    """Replace the stored findings (of `households`, or all) in one transaction."""
    from tortoise.transactions import in_transaction

    from store import db
    from store.schema import set_setting

    rows = [(f.rule, f.severity, f.scope, f.household_code, f.unit, f.person_key,
             json.dumps(list(f.related), ensure_ascii=False), json.dumps(list(f.fields), ensure_ascii=False),
             f.message, f.confirmed) for f in findings]  # fmt: skip
    async with in_transaction() as client:
        if households is None:
            await db.execute("DELETE FROM finding", (), client)
            await set_setting("audit_as_of", as_of.isoformat(), client)
        else:
            for start in range(0, len(households), CHUNK):
                chunk = households[start : start + CHUNK]
                await db.execute(f"DELETE FROM finding WHERE household_code IN ({_marks(len(chunk))})", chunk, client)
        await db.execute_many(
            "INSERT INTO finding (rule, severity, scope, household_code, village_code, person_key, related_json, "
            "fields_json, message, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
            client,
        )
