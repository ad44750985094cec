"""Plain data the rules work on: person and household views with their derived values, the context of
what lies outside a household, findings.

A :class:`PersonView` is built once per person from an interchange-shaped person dict (`store.interchange`)
and holds everything the rules need precomputed: age at `as_of`, active, married, the parsed ID number,
the applicability tags. Woman facts (live births sorted, deliveries, open pregnancies) are computed on
first use. The same view type stands for persons of other households (spouses, mothers, duplicate
candidates) found in a :class:`Context`, so a rule reads a partner the same way in the inline audit of an
unsaved record and in the whole-database audit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checks.rows import getter, person_record
from store import idnumber
from store.codes import (
    RELATION_CHILD_BLOOD,
    RELATION_GRANDCHILD_BLOOD,
    RELATION_PARENT_BLOOD,
    RELATION_SEX,
    RELATION_SPOUSE,
)
from store.domain.idcheck import fast_valid
from store.domain.idcheck import passes as id_passes
from store.regions import is_known_region

__all__ = [
    "TAG",
    "Context",
    "Env",
    "Finding",
    "Hit",
    "HouseholdView",
    "PersonView",
    "WomanFacts",
]

MARRIED = frozenset({"20", "21", "22", "23"})
EVER_MARRIED = MARRIED | {"30", "40"}
_KNOWN_SEX = frozenset({"1", "2"})
_PERMIT_PREFIXES = ("81", "82", "83")

# Applicability tags: cheap facts computed once per person. A rule declares the tags it needs (and may
# declare tags it avoids); it runs only on persons that have all of the first and none of the second. A
# tag is a necessary condition of the rules that need it, never the rule itself.
_TAG_NAMES = (
    "ID",  # an ID number to which the ID rules apply (type 1, or type 2 with 81/82/83), not a placeholder
    "IDCHK",  # such an ID that is not a valid 18-digit number of a known region (ID01–ID07 may fire)
    "NOID",  # no ID number (empty or a placeholder)
    "WOMAN",  # a woman record
    "KIDS",  # a woman record with childbirth-history entries
    "PREG",  # a woman record with pregnancies
    "METHOD",  # a woman record with a contraception method
    "CERT",  # a woman record with an only-child certificate
    "MARR",  # a marriage date, a marriage-change date or a spouse link
    "FMD",  # 初婚日期 present
    "MCD",  # 婚姻变动日期 present
    "SPOUSE",  # a spouse link
    "EVER",  # ever married (20–23, 30, 40)
    "MARRIED",  # married (20–23)
    "CHG",  # 22, 23, 30 or 40
    "NOTWED",  # 10, 30 or 40
    "NOMS",  # marital status empty or 90
    "ADULT",  # age ≥ config.adult_age
    "INFANT",  # age < config.infant_years
    "WCBA",  # female, married, age within the WCBA range (active or not)
    "MALE",  # sex 1
    "GAPS",  # a main item (REQ1) is empty
    "FLOW",  # a flow record or mgmt 02/03
    "BEN",  # benefits
    "DEATH",  # a death date or a cancellation
    "FUT",  # a date of the person after the future cut
    "OLD",  # age > config.max_age
    "SEXREL",  # a relation code that implies a sex
    "KIN",  # a blood relation of HH03
    "HSP",  # a spouse-of-householder relation
    "DUP",  # shares its ID, or its name, sex and birth date, with another person (engine)
    "PAIR",  # links a spouse or is linked as one (engine)
    "MOTHER",  # a woman record with entries, or linked as mother by someone (engine)
)
TAG = {name: 1 << i for i, name in enumerate(_TAG_NAMES)}
T_ID, T_IDCHK, T_NOID, T_WOMAN, T_KIDS, T_PREG, T_METHOD, T_CERT = (TAG[n] for n in _TAG_NAMES[:8])
T_MARR, T_FMD, T_MCD, T_SPOUSE, T_EVER, T_MARRIED, T_CHG, T_NOTWED, T_NOMS = (TAG[n] for n in _TAG_NAMES[8:17])
T_ADULT, T_INFANT, T_WCBA, T_MALE, T_GAPS, T_FLOW, T_BEN, T_DEATH = (TAG[n] for n in _TAG_NAMES[17:25])
T_FUT, T_OLD, T_SEXREL, T_KIN, T_HSP, T_DUP, T_PAIR, T_MOTHER = (TAG[n] for n in _TAG_NAMES[25:33])


def _id_applies(id_type: str | None, number: str) -> bool:
    if id_type in (None, "", "1"):
        return True
    return id_type == "2" and number.startswith(_PERMIT_PREFIXES)


class WomanFacts:
    """Derived facts of a woman record."""

    __slots__ = ("births", "contraception", "deliveries", "entries", "method", "open", "pregnancies", "since")

    def __init__(self, woman: dict[str, Any], delivery_gap: int) -> None:
        entries = woman.get("children") or []
        self.entries: list[dict[str, Any]] = entries
        #: live births (血缘 1) with a birth date, as (index, entry), by birth date then 孩次.
        births = [(i, c) for i, c in enumerate(entries) if c.get("blood") == "1" and c.get("birth_date") is not None]
        if len(births) > 1:
            births.sort(key=lambda item: (item[1]["birth_date"], item[1].get("order") or 0, item[0]))
        self.births = births
        deliveries: list[list[tuple[int, dict[str, Any]]]] = []
        for item in births:
            if deliveries and (item[1]["birth_date"] - deliveries[-1][-1][1]["birth_date"]).days <= delivery_gap:
                deliveries[-1].append(item)
            else:
                deliveries.append([item])
        self.deliveries = deliveries
        self.pregnancies: list[dict[str, Any]] = woman.get("pregnancies") or []
        self.open = [(i, g) for i, g in enumerate(self.pregnancies) if g.get("outcome") is None]
        contraception = woman.get("contraception")
        self.contraception: dict[str, Any] | None = contraception
        self.method: str | None = contraception.get("method") if contraception else None
        self.since: dt.date | None = contraception.get("since") if contraception else None


_TYPE1 = frozenset({None, "", "1"})
_PERMITS = frozenset({"81", "82", "83"})
_DIGITS = frozenset("0123456789")
_regions: dict[str, bool] = {}


def _known_region(region: str) -> bool:
    """Whether a 6-digit region code is known (cached in ``_regions``)."""
    known = _regions[region] = region != "000000" and is_known_region(region)
    return known


#: the person-row columns a view reads (:meth:`PersonView.from_row`), picked in one call
_VIEW_COLUMNS = getter(
    "key",
    "name",
    "id_type",
    "id_number",
    "sex",
    "birth_date",
    "relation",
    "ethnicity",
    "hukou_nature",
    "marital_status",
    "first_marriage_date",
    "marriage_change_date",
    "mgmt",
    "registered_place_code",
    "flow_type",
    "flow_since",
    "flow_place_code",
    "flow_place",
    "moved_in_date",
    "death_date",
    "cancel_reason",
)


class PersonView:
    """One person with the derived values the rules use (see the module docstring)."""

    __slots__ = (
        "_partners",
        "_rec",
        "_row",
        "active",
        "age",
        "birth",
        "cancel_reason",
        "dead",
        "death_date",
        "ever_married",
        "first_marriage",
        "flow",
        "household",
        "id_canonical",
        "id_info",
        "id_missing",
        "id_number",
        "id_valid",
        "key",
        "marital",
        "marriage_change",
        "married",
        "mgmt",
        "mother",
        "name",
        "place",
        "relation",
        "sex",
        "spouse",
        "sx",
        "tags",
        "wf",
    )

    def __init__(self, rec: dict[str, Any], household: str, env: Env) -> None:
        """A view of an interchange-shaped person record."""
        self._rec: dict[str, Any] | None = rec
        self._row: tuple[Any, ...] | None = None
        get = rec.get
        flow = get("flow")
        moved = get("moved_in")
        cancel = get("cancel")
        self._derive(
            env, household, rec["key"], get("name"), get("sex"), get("birth_date"), get("marital_status"),
            get("first_marriage_date"), get("marriage_change_date"), get("spouse"), get("mother"), get("relation"),
            get("death_date"), cancel.get("reason") if cancel else None, cancel is not None, get("id_type"),
            get("id_number"), get("woman"), get("ethnicity"), get("hukou_nature"), flow,
            flow.get("since") if flow else None, get("mgmt"), moved.get("date") if moved else None,
            bool(get("benefits")), get("registered_place_code"),
        )  # fmt: skip

    @classmethod
    def from_row(
        cls, row: tuple[Any, ...], links: tuple[str | None, str | None, str | None], woman: dict[str, Any] | None,
        extra: tuple[list[Any], list[Any]] | None, household: str, env: Env,
    ) -> PersonView:  # fmt: skip
        """A view straight from a database row of `checks.rows.STREAM_SQL` (the whole-database audit);
        the interchange record is built only if a rule asks for it (:attr:`rec`)."""
        self = cls.__new__(cls)
        self._rec = None
        self._row = (row, links, woman, extra)
        (key, name, id_type, id_number, sex, birth, relation, ethnicity, hukou, marital, fmd, mcd, mgmt, place,
         flow_type, flow_since, flow_code, flow_place, moved_date, death, cancel_reason) = _VIEW_COLUMNS(row)  # fmt: skip
        flow = None
        if flow_type is not None:
            flow = {"type": flow_type, "since": flow_since, "place_code": flow_code, "place": flow_place}
        self._derive(
            env, household, key, name, sex, birth, marital, fmd, mcd, links[0], links[1], relation, death,
            cancel_reason, cancel_reason is not None, id_type, id_number, woman, ethnicity, hukou, flow,
            flow_since, mgmt, moved_date, bool(extra and extra[0]), place,
        )  # fmt: skip
        return self

    @property
    def rec(self) -> dict[str, Any]:
        """The interchange-shaped person record."""
        if self._rec is None:
            row, links, woman, extra = self._row  # type: ignore[misc]
            rec = person_record(row, *links)
            rec["woman"] = woman
            if extra:
                rec["benefits"], rec["confirmations"] = extra
            self._rec = rec
        return self._rec

    def _derive(
        self, env: Env, household: str, key: str, name: str | None, sex: str | None, birth: dt.date | None,
        marital: str | None, fmd: dt.date | None, mcd: dt.date | None, spouse: str | None, mother: str | None,
        relation: str | None, death: dt.date | None, cancel_reason: str | None, cancelled: bool,
        id_type: str | None, raw: str | None, woman: dict[str, Any] | None, ethnicity: str | None,
        hukou: str | None, flow: dict[str, Any] | None, flow_since: dt.date | None, mgmt: str | None,
        moved_date: dt.date | None, benefits: bool, place: str | None,
    ) -> None:  # fmt: skip
        """Set the derived values and the applicability tags (one definition for both constructors)."""
        cfg = env.cfg
        cut = env.cut
        self.key = key
        self.name = name
        self.household = household
        self.flow = flow
        self.mgmt = mgmt
        self.place = place
        self._partners = None
        self.cancel_reason = cancel_reason
        self.active = not cancelled
        self.sex = sex
        sx = sex if sex in _KNOWN_SEX else None
        self.sx = sx
        self.birth = birth
        age: int | None = None
        if birth is not None:
            age = env.as_of.year - birth.year
            if (env.as_of.month, env.as_of.day) < (birth.month, birth.day):
                age -= 1
        self.age = age
        self.marital = marital
        married = marital in MARRIED
        self.married = married
        self.ever_married = ever = marital in EVER_MARRIED
        self.first_marriage = fmd
        self.marriage_change = mcd
        self.spouse = spouse
        self.mother = mother
        self.relation = relation
        self.death_date = death
        self.dead = death is not None or cancel_reason == "01"
        tags = 0
        latest = birth
        self.id_number = raw or None
        self.id_info = None
        self.id_canonical = None
        self.id_valid = False
        self.id_missing = True
        if raw:
            if (fast_valid(raw, birth, sx, cfg.id_min_birth, cut) and (_regions.get(raw[:6]) or _known_region(raw[:6]))
                    and (id_type in _TYPE1 or raw[:2] in _PERMITS)):  # fmt: skip
                # the common case: a plain, valid 18-digit number of a known region (store.domain.idcheck)
                self.id_missing = False
                self.id_canonical = raw
                self.id_valid = True
                tags |= T_ID
            else:
                info = idnumber.parse(raw)
                self.id_missing = info.placeholder or not info.number
                if not self.id_missing and _id_applies(id_type, info.number):
                    self.id_info = info
                    tags |= T_ID
                    self.id_canonical = info.canonical or info.number
                    self.id_valid = valid = id_passes(info, birth, sx, cfg.id_min_birth, cut)
                    if not (valid and info.length_kind == "18" and is_known_region(info.region)):
                        tags |= T_IDCHK
        if self.id_missing:
            tags |= T_NOID
        self.wf = None
        if woman is not None:
            wf = self.wf = WomanFacts(woman, cfg.delivery_gap_days)
            tags |= T_WOMAN
            if wf.entries:
                tags |= T_KIDS
            if wf.pregnancies:
                tags |= T_PREG
                for g in wf.pregnancies:
                    for day in (g.get("lmp"), g.get("outcome_date")):
                        if day is not None and (latest is None or day > latest):
                            latest = day
            if wf.method is not None:
                tags |= T_METHOD
            if wf.since is not None and (latest is None or wf.since > latest):
                latest = wf.since
            if woman.get("only_child_certificate"):
                tags |= T_CERT
        if fmd is not None:
            tags |= T_FMD | T_MARR
            if latest is None or fmd > latest:
                latest = fmd
        if mcd is not None:
            tags |= T_MCD | T_MARR
            if latest is None or mcd > latest:
                latest = mcd
        if spouse:
            tags |= T_SPOUSE | T_MARR
        if ever:
            tags |= T_EVER
            if married:
                tags |= T_MARRIED
                if sx == "2" and age is not None and cfg.wcba_min_age <= age <= cfg.wcba_max_age:
                    tags |= T_WCBA
            if marital in _CHANGED:
                tags |= T_CHG
        if marital in _NOT_WED:
            tags |= T_NOTWED
        elif marital is None or marital == "" or marital == "90":
            tags |= T_NOMS
        if age is not None:
            if age >= cfg.adult_age:
                tags |= T_ADULT
            if age < cfg.infant_years:
                tags |= T_INFANT
            if age > cfg.max_age:
                tags |= T_OLD
        if sx == "1":
            tags |= T_MALE
        if sx is None or birth is None or self.id_missing or not name or not relation or not ethnicity or not hukou:
            tags |= T_GAPS
        if flow is not None:
            tags |= T_FLOW
            if flow_since is not None and (latest is None or flow_since > latest):
                latest = flow_since
        elif mgmt in ("02", "03"):
            tags |= T_FLOW
        if moved_date is not None and (latest is None or moved_date > latest):
            latest = moved_date
        if latest is not None and latest > cut:
            tags |= T_FUT
        if benefits:
            tags |= T_BEN
        if death is not None or cancelled:
            tags |= T_DEATH
        if relation is not None:
            if relation in RELATION_SEX:
                tags |= T_SEXREL
            if relation in _KIN:
                tags |= T_KIN
            elif relation in RELATION_SPOUSE:
                tags |= T_HSP
        self.tags = tags

    def __repr__(self) -> str:
        return f"PersonView({self.key!r}, {self.name!r})"

    @property
    def woman(self) -> dict[str, Any] | None:
        if self._rec is None:
            return self._row[2]  # type: ignore[index]
        return self._rec.get("woman")

    @property
    def married_wcba(self) -> bool:
        """Active, female, married, within the WCBA ages at the reference date (`docs/spec/rules.md`)."""
        return self.active and bool(self.tags & T_WCBA)


_CHANGED = frozenset({"22", "23", "30", "40"})
_NOT_WED = frozenset({"10", "30", "40"})
_KIN = RELATION_PARENT_BLOOD | RELATION_CHILD_BLOOD | RELATION_GRANDCHILD_BLOOD


class HouseholdView:
    """A household record with its members' views and the facts household rules share."""

    __slots__ = ("active_members", "by_key", "code", "householders", "linkers", "members", "mothers_of", "rec",
                 "spouse_relations")  # fmt: skip

    def __init__(self, rec: dict[str, Any], members: list[PersonView]) -> None:
        self.rec = rec
        self.code: str = rec["household"]["code"]
        self.members = members
        self.by_key = {p.key: p for p in members}
        self.active_members = [p for p in members if p.active]
        self.householders = [p for p in self.active_members if p.relation == "02"]
        self.spouse_relations = [p for p in self.active_members if p.relation in ("10", "11", "12")]
        self.linkers: dict[str, list[PersonView]] = {}  # key → members whose spouse link points at it
        self.mothers_of: dict[str, list[PersonView]] = {}  # key → members whose mother link points at it
        for p in members:
            if p.spouse:
                self.linkers.setdefault(p.spouse, []).append(p)
            if p.mother:
                self.mothers_of.setdefault(p.mother, []).append(p)

    @property
    def household(self) -> dict[str, Any]:
        return self.rec["household"]

    def index_of(self, key: str) -> int:
        for i, p in enumerate(self.members):
            if p.key == key:
                return i
        return -1


@dataclass
class Context:
    """What lies outside the audited household(s): persons of other households and the indexes that find
    them. `persons` holds views of every person named by the other maps; keys of persons being audited
    are ignored in favour of their local (possibly unsaved) version."""

    persons: dict[str, PersonView] = field(default_factory=dict)
    spouse_linkers: dict[str, list[str]] = field(default_factory=dict)  # key → keys whose spouse is key
    children_of: dict[str, list[str]] = field(default_factory=dict)  # key → keys whose mother is key
    by_id: dict[str, list[str]] = field(default_factory=dict)  # canonical ID → active persons' keys
    by_nsb: dict[tuple[str, str, str, dt.date], list[str]] = field(default_factory=dict)  # (township, name, sex, birth)
    keys_by_id: dict[int, str] = field(default_factory=dict)  # database id → key of the persons above


@dataclass(slots=True)
class Hit:
    """What a rule returns for one finding: message parameters, fields, related keys, history entry."""

    params: dict[str, Any]
    fields: tuple[str, ...] | None = None
    related: tuple[str, ...] = ()
    entry: str | None = None  # "children[2]" etc.: one finding per (rule, record, entry)


@dataclass(slots=True)
class Finding:
    """One finding; :meth:`to_json` gives the object of `renkou check --json` (`docs/spec/interchange.md` §2)."""

    rule: str
    severity: str
    scope: str
    unit: str
    household_code: str
    person_key: str | None
    person_name: str | None
    person_id_number: str | None
    fields: tuple[str, ...]
    related: tuple[str, ...]
    message: str
    confirmed: bool = False
    entry: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "scope": self.scope,
            "unit": self.unit,
            "household_code": self.household_code,
            "person_key": self.person_key,
            "person_name": self.person_name,
            "person_id_number": self.person_id_number,
            "fields": list(self.fields),
            "related": list(self.related),
            "confirmed": self.confirmed,
            "message": self.message,
        }

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.household_code, self.person_key or "", self.rule, self.entry or "")


class Env:
    """What a rule sees beyond its person: dates, configuration, the household, and other persons."""

    __slots__ = ("as_of", "cfg", "context", "cut", "household", "region", "today")

    def __init__(self, as_of: dt.date, today: dt.date, cfg: Any, context: Context) -> None:
        self.as_of = as_of
        self.today = today
        self.cut = max(as_of, today)  # a date after this is in the future
        self.cfg = cfg
        self.context = context
        self.household: HouseholdView | None = None
        self.region: Any = cfg.default_region

    def enter(self, household: HouseholdView) -> None:
        self.household = household
        self.region = self.cfg.region(household.code)

    def person(self, key: str | None) -> PersonView | None:
        """A person by key: the audited household's version first, then the context's."""
        if key is None:
            return None
        local = self.household.by_key.get(key) if self.household else None
        return local if local is not None else self.context.persons.get(key)

    def _others(self, local: Iterable[PersonView], remote: Iterable[str], me: str) -> list[PersonView]:
        out = [q for q in local if q.key != me]
        by_key = self.household.by_key if self.household else {}
        persons = self.context.persons
        for key in remote:
            if key != me and key not in by_key:
                q = persons.get(key)
                if q is not None:
                    out.append(q)
        return out

    def spouse_linkers(self, key: str) -> list[PersonView]:
        """Persons whose spouse link points at `key`."""
        local = self.household.linkers.get(key, ()) if self.household else ()
        return self._others(local, self.context.spouse_linkers.get(key, ()), key)

    def children_of(self, key: str) -> list[PersonView]:
        """Persons whose mother link points at `key`."""
        local = self.household.mothers_of.get(key, ()) if self.household else ()
        return self._others(local, self.context.children_of.get(key, ()), key)

    def same_id(self, p: PersonView) -> list[PersonView]:
        """Other active persons with the same canonical ID number."""
        canon = p.id_canonical
        if canon is None:
            return []
        local = [q for q in self.household.members if q.id_canonical == canon] if self.household else []
        return [q for q in self._others(local, self.context.by_id.get(canon, ()), p.key) if q.active]

    def same_nsb(self, p: PersonView) -> list[PersonView]:
        """Other active persons of the same township with the same name, sex and birth date."""
        if not p.name or p.sex is None or p.birth is None:
            return []
        town = p.household[:9]
        nsb = (town, p.name, p.sex, p.birth)
        local = []
        if self.household:
            local = [q for q in self.household.members if q.name == p.name and q.sex == p.sex and q.birth == p.birth]
        found = self._others(local, self.context.by_nsb.get(nsb, ()), p.key)
        return [q for q in found if q.active and q.household[:9] == town]
