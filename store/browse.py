"""Queries of the Browse screen: the lazy unit → group → household → person tree and the household detail.

Every node carries its active persons (not cancelled) and its open findings (stored audit results not
confirmed as correct) of severity E and W. Each call reads one level with range queries on indexed code
columns (``person.household_id``, ``household.code``, ``finding.household_code``): a unit's or a village's
children are counted one code range per child (:func:`_persons_in`, one ``count(*)`` each over the covering
index ``person (household_id, cancel_reason)``, sent as one statement), never grouped by a computed prefix over
every person, so even the county root of a 400 000-person county stays below 100 ms.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from store import db
from store.codes import HOUSEHOLDER, TABLES
from store.idnumber import mask
from store.scope import Who, in_scope, prefixes, scope_sql, unit_visible

#: Tree node kinds, from the top: a unit (county, township, village), a village group, a household, a person.
UNIT, GROUP, HOUSEHOLD, PERSON = "unit", "group", "household", "person"

_CN_DIGITS = "〇一二三四五六七八九"
_OPEN = "NOT confirmed AND severity IN ('E', 'W')"


@dataclass(frozen=True)
class Counts:
    """Active persons and open E / W findings of a node."""

    persons: int = 0
    errors: int = 0
    warnings: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.persons + other.persons, self.errors + other.errors, self.warnings + other.warnings)


@dataclass(frozen=True)
class Node:
    """One node of the household tree.

    `code` is the unit code, the 14-digit group code (village + group), or the household code (also for a
    person, whose `key` is set). `name` is the label without counts: 城关镇, 一组, 0007 李建国, 户主 李建国.
    """

    kind: str
    code: str
    name: str
    counts: Counts = field(default_factory=Counts)
    level: str = ""
    key: str | None = None
    closed: bool = False

    @property
    def expandable(self) -> bool:
        return self.kind != PERSON

    def label(self) -> str:
        """Name with counts as the tree shows it: ``城关镇 8204人 E37 W12``."""
        parts = [self.name]
        if self.kind != PERSON:
            parts.append(f"{self.counts.persons}人")
        if self.counts.errors:
            parts.append(f"E{self.counts.errors}")
        if self.counts.warnings:
            parts.append(f"W{self.counts.warnings}")
        if self.closed:
            parts.append("已销户" if self.kind == HOUSEHOLD else "已注销")
        return " ".join(parts)


def next_code(prefix: str) -> str:
    """The smallest digit string of the same length above `prefix` (the exclusive end of its code range).

    Codes are digits, so ``code >= prefix AND code < next_code(prefix)`` selects the codes starting with
    `prefix` under any collation and uses the index. An all-nines prefix gets a bound above every code.
    """
    if not prefix or not prefix.isdigit():
        raise ValueError(f"a code prefix must be digits: {prefix!r}")
    if set(prefix) == {"9"}:
        return "A"
    return str(int(prefix) + 1).zfill(len(prefix))


def group_label(group_code: str) -> str:
    """Chinese name of a village group from its two-digit code: 01 → 一组, 10 → 十组, 23 → 二十三组."""
    if not group_code.isdigit():
        return f"{group_code}组"
    n = int(group_code)
    if n == 0 or n >= 100:
        return f"{group_code}组"
    tens, ones = divmod(n, 10)
    text = ("" if tens == 1 else _CN_DIGITS[tens]) + "十" if tens else ""
    return f"{text}{_CN_DIGITS[ones] if ones else ''}组"


async def _findings_by(width: int, start: str, end: str, actor: Who = None) -> dict[str, tuple[int, int]]:
    """Open (E, W) counts by the first `width` characters of the household code, in [start, end) and in scope."""
    scoped, params = scope_sql(actor, "household_code")
    rows = await db.fetch(
        f"SELECT substr(household_code, 1, {width}), severity, count(*) FROM finding "
        f"WHERE household_code >= ? AND household_code < ? AND {_OPEN}{scoped} GROUP BY 1, 2",
        [start, end, *params],
    )
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for prefix, severity, n in rows:
        out[prefix][0 if severity == "E" else 1] += int(n)
    return {k: (v[0], v[1]) for k, v in out.items()}


async def _persons_by(width: int, start: str, end: str, actor: Who = None) -> dict[str, int]:
    """Active persons by the first `width` characters of their household code, in [start, end) and in scope."""
    scoped, params = scope_sql(actor, "household_id")
    rows = await db.fetch(
        f"SELECT substr(household_id, 1, {width}), count(*) FROM person "
        f"WHERE household_id >= ? AND household_id < ? AND cancel_reason IS NULL{scoped} GROUP BY 1",
        [start, end, *params],
    )
    return {r[0]: int(r[1]) for r in rows}


#: code ranges counted per statement (SQLite allows 500 terms in a compound SELECT)
_RANGES_PER_QUERY = 100


async def _persons_in(codes: list[str], actor: Who = None) -> dict[str, int]:
    """Active persons of each code prefix in `codes` (the children of one node), in scope.

    One ``count(*)`` over an index range per prefix, joined with UNION ALL: each walks only the covering index
    ``person (household_id, cancel_reason)`` (schema version 8), where one GROUP BY over a computed prefix had
    to read and sort every person of the parent."""
    scoped, scope_params = scope_sql(actor, "household_id")
    out: dict[str, int] = {}
    for first in range(0, len(codes), _RANGES_PER_QUERY):
        chunk = codes[first : first + _RANGES_PER_QUERY]
        terms, params = [], []
        for index, code in enumerate(chunk):
            terms.append(f"SELECT {index}, count(*) FROM person WHERE household_id >= ? AND household_id < ? "
                         f"AND cancel_reason IS NULL{scoped}")  # fmt: skip
            params.extend([code, next_code(code), *scope_params])
        for index, n in await db.fetch(" UNION ALL ".join(terms), params):
            out[chunk[int(index)]] = int(n)
    return out


async def _findings_in(codes: list[str], actor: Who = None) -> dict[str, tuple[int, int]]:
    """Open (E, W) counts of each code prefix in `codes`, in scope: one indexed range per prefix, as
    :func:`_persons_in`."""
    scoped, scope_params = scope_sql(actor, "household_code")
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for first in range(0, len(codes), _RANGES_PER_QUERY):
        chunk = codes[first : first + _RANGES_PER_QUERY]
        terms, params = [], []
        for index, code in enumerate(chunk):
            terms.append(f"SELECT {index}, severity, count(*) FROM finding WHERE household_code >= ? "
                         f"AND household_code < ? AND {_OPEN}{scoped} GROUP BY severity")  # fmt: skip
            params.extend([code, next_code(code), *scope_params])
        for index, severity, n in await db.fetch(" UNION ALL ".join(terms), params):
            out[chunk[int(index)]][0 if severity == "E" else 1] += int(n)
    return {k: (v[0], v[1]) for k, v in out.items()}


def _counts(prefix: str, persons: dict[str, int], findings: dict[str, tuple[int, int]]) -> Counts:
    errors, warnings = findings.get(prefix, (0, 0))
    return Counts(persons.get(prefix, 0), errors, warnings)


async def _top_unit(actor: Who) -> Any | None:
    """The top unit the actor sees: the database's (county, or township), or for an actor with units the
    smallest unit holding all of them."""
    scope = prefixes(actor)
    if not scope:
        rows = await db.fetch("SELECT code, name, level FROM unit ORDER BY length(code), code LIMIT 1")
        return rows[0] if rows else None
    rows = await db.fetch("SELECT code, name, level FROM unit WHERE level <> 'group' ORDER BY length(code) DESC, code")
    return next((r for r in rows if all(p.startswith(r[0]) for p in scope)), None)


async def top(*, actor: Who = None) -> tuple[Node, list[Node]] | None:
    """The top unit of the database (county, or township when there is no county) with its totals, and its
    children (townships or villages); None for an empty database. An actor with units sees the smallest unit
    holding them, and counts and children of its units only (`store.scope`)."""
    found = await _top_unit(actor)
    if found is None:
        return None
    code, name, level = found[0], found[1], found[2]
    if level == "village":
        kids = await village_groups(code, actor=actor)
    else:
        kids = await unit_children(code, actor=actor)
    total = sum((k.counts for k in kids), Counts())
    return Node(UNIT, code, name, total, level), kids


async def unit_children(code: str, *, actor: Who = None) -> list[Node]:
    """The townships or villages under a unit (those holding some of the actor's scope), with counts."""
    units = await db.fetch(
        "SELECT code, name, level FROM unit WHERE parent_id = ? AND level IN ('township', 'village') ORDER BY code",
        [code],
    )
    units = [u for u in units if unit_visible(actor, u[0])]
    if not units:
        return []
    codes = [u[0] for u in units]
    persons = await _persons_in(codes, actor)
    findings = await _findings_in(codes, actor)
    return [Node(UNIT, u[0], u[1], _counts(u[0], persons, findings), u[2]) for u in units]


async def village_groups(village: str, *, actor: Who = None) -> list[Node]:
    """The groups (村民小组) of a village that have households (in the actor's scope), with counts; named after
    their group units when the database has them (一组 otherwise)."""
    groups = await db.fetch(
        "SELECT DISTINCT group_code FROM household WHERE village_id = ? ORDER BY group_code", [village]
    )
    names = {r[0]: r[1] for r in await db.fetch(
        "SELECT code, name FROM unit WHERE parent_id = ? AND level = 'group'", [village])}  # fmt: skip
    shown = [(village + r[0], r[0]) for r in groups if unit_visible(actor, village + r[0])]
    codes = [code for code, _ in shown]
    persons = await _persons_in(codes, actor)
    findings = await _findings_in(codes, actor)
    return [Node(GROUP, code, names.get(code) or group_label(group), _counts(code, persons, findings), "group")
            for code, group in shown]  # fmt: skip


async def group_households(group: str, *, actor: Who = None) -> list[Node]:
    """The households of a group (14-digit village + group code) in the actor's scope: code tail,
    householder, counts."""
    end = next_code(group)
    scoped, params = scope_sql(actor, "code")
    households = await db.fetch(
        f"SELECT code, status FROM household WHERE code >= ? AND code < ?{scoped} ORDER BY code", [group, end, *params]
    )
    scoped, params = scope_sql(actor, "household_id")
    members = await db.fetch(
        "SELECT household_id, name, relation, cancel_reason FROM person WHERE household_id >= ? AND household_id < ? "
        f"{scoped} ORDER BY household_id, seq, id",
        [group, end, *params],
    )
    persons: dict[str, int] = defaultdict(int)
    head: dict[str, str] = {}
    first: dict[str, str] = {}
    for code, name, relation, cancelled in members:
        if cancelled is None:
            persons[code] += 1
            first.setdefault(code, name or "")
            if relation == HOUSEHOLDER:
                head.setdefault(code, name or "")
    findings = await _findings_by(18, group, end, actor)
    out = []
    for code, status in ((r[0], r[1]) for r in households):
        name = f"{code[14:]} {head.get(code) or first.get(code) or '（无人）'}"
        out.append(
            Node(HOUSEHOLD, code, name, _counts(code, persons, findings), "household", closed=status == "closed")
        )
    return out


async def household_persons(code: str, *, actor: Who = None) -> list[Node]:
    """The members of a household (cancelled ones last): relation, name, open findings; none out of scope."""
    if not in_scope(actor, code):
        return []
    rows = await db.fetch(
        "SELECT key, name, relation, cancel_reason FROM person WHERE household_id = ? ORDER BY seq, id", [code]
    )
    findings = await db.fetch(
        f"SELECT person_key, severity, count(*) FROM finding WHERE household_code = ? AND {_OPEN} "
        "AND person_key IS NOT NULL GROUP BY 1, 2",
        [code],
    )
    by_person: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, severity, n in findings:
        by_person[key][0 if severity == "E" else 1] += int(n)
    relation = TABLES["relation"]
    nodes = []
    for key, name, rel, cancelled in rows:
        errors, warnings = by_person.get(key, (0, 0))
        label = f"{relation.short(rel) or '—'} {name or '（无名）'}"
        nodes.append(Node(PERSON, code, label, Counts(0 if cancelled else 1, errors, warnings), "person",
                          key=key, closed=cancelled is not None))  # fmt: skip
    return sorted(nodes, key=lambda n: n.closed)


async def children(node: Node, *, actor: Who = None) -> list[Node]:
    """The children of any node (one level), in the actor's scope."""
    if node.kind == UNIT:
        if node.level == "village":
            return await village_groups(node.code, actor=actor)
        return await unit_children(node.code, actor=actor)
    if node.kind == GROUP:
        return await group_households(node.code, actor=actor)
    if node.kind == HOUSEHOLD:
        return await household_persons(node.code, actor=actor)
    return []


async def refreshed(node: Node) -> Node:
    """`node` with its counts read again (after a save changed persons or findings under it); a person
    node is returned as it is (its household's :func:`household_persons` reads persons)."""
    if node.kind == PERSON:
        return node
    persons = await _persons_in([node.code])
    findings = await _findings_in([node.code])
    return replace(node, counts=_counts(node.code, persons, findings))


async def path_to(code: str, *, actor: Who = None) -> list[str]:
    """Unit codes from the top unit down to the village of a household code (for jumping the tree); none for
    a household out of scope."""
    if not in_scope(actor, code):
        return []
    rows = await db.fetch("SELECT code FROM unit WHERE level IN ('county', 'township', 'village') ORDER BY code")
    return [r[0] for r in rows if code.startswith(r[0])]


# --- household detail --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A row of the members table."""

    key: str
    relation: str
    name: str
    sex: str
    birth_date: dt.date | None
    id_masked: str
    cancelled: str  # cancel reason label, "" when active
    errors: int = 0
    warnings: int = 0


@dataclass(frozen=True)
class Issue:
    """A finding shown next to the data: severity, rule, whose, message."""

    severity: str
    rule: str
    person_key: str | None
    message: str
    confirmed: bool = False


@dataclass
class Detail:
    """The household detail panel."""

    code: str
    address: str
    place: str  # 城关镇 › 东风村 › 一组
    hukou_type: str
    kind: str
    status: str
    persons: int
    version: int
    members: list[Member]
    issues: list[Issue]

    def name_of(self, key: str | None) -> str:
        return next((m.name for m in self.members if m.key == key), "")


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


async def issues(code: str, *, actor: Who = None) -> list[Issue]:
    """The stored findings of a household (E, W, I; confirmed ones flagged), errors first; none out of scope."""
    if not in_scope(actor, code):
        return []
    rows = await db.fetch(
        "SELECT severity, rule, person_key, message, confirmed FROM finding WHERE household_code = ? ORDER BY id",
        [code],
    )
    order = {"E": 0, "W": 1}
    found = [Issue(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]
    return sorted(found, key=lambda i: (i.confirmed, order.get(i.severity, 2)))


async def household_detail(code: str, *, actor: Who = None) -> Detail | None:
    """Header, members and stored findings of a household (None when there is no such household, or it lies
    outside the actor's scope)."""
    if not in_scope(actor, code):
        return None
    rows = await db.fetch(
        "SELECT code, village_id, group_code, address, hukou_type, kind, status, version FROM household WHERE code = ?",
        [code],
    )
    if not rows:
        return None
    h = rows[0]
    members = await db.fetch(
        "SELECT key, name, relation, sex, birth_date, id_number, cancel_reason FROM person WHERE household_id = ? "
        "ORDER BY seq, id",
        [code],
    )
    found = await issues(code)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for issue in found:
        if issue.person_key and not issue.confirmed and issue.severity in "EW":
            counts[issue.person_key][0 if issue.severity == "E" else 1] += 1
    units = {r[0]: r[1] for r in await db.fetch(
        "SELECT code, name FROM unit WHERE code IN (?, ?, ?)", [code[:9], code[:12], code[:14]])}  # fmt: skip
    place = " › ".join(
        [units.get(code[:9], ""), units.get(code[:12], code[:12]), units.get(code[:14]) or group_label(h[2])]
    ).strip(" ›")
    t = TABLES
    out = []
    for key, name, rel, sex, birth, number, cancel in members:
        errors, warnings = counts.get(key, (0, 0))
        out.append(Member(key, t["relation"].short(rel), name or "", t["sex"].short(sex), _as_date(birth), mask(number),
                          t["cancel_reason"].short(cancel) if cancel else "", errors, warnings))  # fmt: skip
    out.sort(key=lambda m: bool(m.cancelled))
    return Detail(
        code=code, address=h[3] or "", place=place, hukou_type=t["hukou_nature"].short(h[4]),
        kind=t["household_kind"].short(h[5]), status=h[6] or "active",
        persons=sum(1 for m in out if not m.cancelled), version=int(h[7] or 1), members=out, issues=found,
    )  # fmt: skip


async def unit_name(code: str) -> str | None:
    """The name of unit `code` (None when there is no such unit)."""
    name = await db.scalar("SELECT name FROM unit WHERE code = ?", [code])
    return None if name is None else str(name)


async def unit_names(codes: list[str]) -> dict[str, str]:
    """Names of the given unit codes (those that exist)."""
    if not codes:
        return {}
    marks = ", ".join("?" * len(codes))
    return {r[0]: r[1] for r in await db.fetch(f"SELECT code, name FROM unit WHERE code IN ({marks})", codes)}


async def operator_label(username: str) -> str:
    """``录入员 李敏`` for an account, else the user name."""
    from store.users import ROLES

    rows = await db.fetch("SELECT real_name, role FROM app_user WHERE username = ?", [username])
    if not rows:
        return username
    return f"{ROLES.get(str(rows[0][1]), '')} {rows[0][0]}".strip()


async def audit_as_of() -> dt.date | None:
    """The date of the stored audit (None before the first whole audit)."""
    from store.findings import stored_as_of

    return await stored_as_of()
