"""The figures of the monthly returns (`docs/spec/returns.md`), computed in one pass over lean person rows.

Pure Python: no database, no xlsxwriter. Dates are ISO ``YYYY-MM-DD`` strings, which compare like dates
and are several times cheaper to read from the database than `datetime.date` objects (a county has
400 000 persons). :mod:`exports.monthly_data` produces the rows; :mod:`exports.monthly_tables` turns the
counts into village rows with a 合计 row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from checks.config import DEFAULT_CONFIG, AuditConfig
from exports.returns_spec import CONTRACEPTION, FIGURE_SHEETS, PREGNANCY
from store.codes import CONTRACEPTION_STAT_COLUMN

HUJI = frozenset({"01", "03"})
MARRIED = frozenset({"20", "21", "22", "23"})
MOVE_OUT = frozenset({"02", "03", "06"})
FLOW = frozenset({"02", "03"})
#: flow positions of a person present at month end: no flow (or one starting later), older, new in the month
FLOW_NONE, FLOW_OLD, FLOW_NEW = 0, 1, 2
#: methods whose start in the month is an operation (本月男扎, 女扎, 上环, 皮埋)
OPERATIONS = {"01": "本月男扎", "02": "本月女扎", "03": "本月上环", "04": "本月皮埋"}
OUTCOME_COLUMN = {
    "1": "本月活产",
    "4": "本月人工流产",
    "5": "本月人工流产",
    "6": "本月引产",
    "2": "本月其他结局",
    "3": "本月其他结局",
    "7": "本月其他结局",
    "9": "本月其他结局",
}
#: (village code, ISO date) → the legal minimum marriage age of women there and then (MAR2 setting)
LegalAge = Callable[[str, str], int]


class PersonRow(NamedTuple):
    """The facts of one person the returns need (dates as ISO strings, None when absent)."""

    id: int
    village: str
    sex: str | None
    mgmt: str | None
    birth: str | None
    moved_in: str | None
    death: str | None
    cancel_reason: str | None
    cancel_date: str | None
    marital: str | None
    first_marriage: str | None
    flow_since: str | None
    method: str | None
    method_since: str | None


class ChildBirth(NamedTuple):
    """A live birth (血缘 1) of the month in a woman's history."""

    birth_date: str
    order: int | None
    sex: str | None
    policy: str | None


class PregnancyRow(NamedTuple):
    """A pregnancy that is open at month end or ends in the month."""

    lmp: str | None
    outcome: str | None
    outcome_date: str | None
    #: the day it was reported (else its LMP, older data): 本月怀孕 when in the month (`store.events.pregnancy_date`)
    reported: str | None = None


@dataclass
class WomanFacts:
    """Per-woman history entries of the month, keyed by person id."""

    births: Mapping[int, Sequence[ChildBirth]] = field(default_factory=dict)
    pregnancies: Mapping[int, Sequence[PregnancyRow]] = field(default_factory=dict)
    #: (method, start date) of former methods that started in the month (contraception history)
    former_methods: Mapping[int, Sequence[tuple[str, str]]] = field(default_factory=dict)


def legal_age_from(config: AuditConfig) -> LegalAge:
    """The women's legal marriage age of the audit configuration (`checks.config`, rule MAR2)."""

    def legal_age(village: str, day: str) -> int:
        return config.region(village).marriage_age(dt.date.fromisoformat(day)).female

    return legal_age


def born_by(day: dt.date, years: int) -> str:
    """The latest birth date (ISO) of someone aged at least `years` completed years on `day`.

    A 29 February birthday is reached on 1 March in common years.
    """
    try:
        return day.replace(year=day.year - years).isoformat()
    except ValueError:  # 29 February → 28 February of a common year
        return day.replace(year=day.year - years, day=28).isoformat()


def flow_position(since: str | None, first: str, last: str) -> int:
    """Where `flow.since` lies for the month [`first`, `last`]: FLOW_NONE (none, or after the month),
    FLOW_OLD (before it) or FLOW_NEW (in it)."""
    if since is None or since > last:
        return FLOW_NONE
    return FLOW_NEW if since >= first else FLOW_OLD


def _iso(day: dt.date) -> str:
    return day.isoformat()


@dataclass
class MonthlyCounts:
    """Counts per sheet key → village code → list aligned with the sheet's count columns."""

    counts: dict[str, dict[str, list[int]]]
    persons: int = 0
    no_entry_date: int = 0
    left_out: int = 0


class MonthlyCounter:
    """Accumulates the counts of every figure sheet over the person rows of a unit for one month."""

    def __init__(
        self,
        first: dt.date,
        last: dt.date,
        villages: Iterable[str],
        women: WomanFacts,
        legal_age: LegalAge | None = None,
    ) -> None:
        self.first, self.last = _iso(first), _iso(last)
        self.legal_age = legal_age or legal_age_from(DEFAULT_CONFIG)
        self.before = _iso(first - dt.timedelta(days=1))
        # married WCBA at month end: 15 ≤ age ≤ 49 ⇔ born after born_by(50) and on or before born_by(15)
        self.wcba_oldest = born_by(last, 50)
        self.wcba_youngest = born_by(last, 15)
        self.women = women
        self.result = MonthlyCounts({spec.key: {} for spec in FIGURE_SHEETS})
        self._slots = {spec.key: {h: i for i, h in enumerate(spec.count_headers)} for spec in FIGURE_SHEETS}
        self._width = {spec.key: len(spec.count_headers) for spec in FIGURE_SHEETS}
        self._by_village: dict[str, tuple[list[int], ...]] = {}
        #: persons with history entries of the month (births, pregnancies, former methods)
        self._with_facts = set(women.births) | set(women.pregnancies) | set(women.former_methods)
        for village in villages:
            self._rows(village)
        self._method_slot = {
            code: self._slots[CONTRACEPTION.key][column]
            for code, column in CONTRACEPTION_STAT_COLUMN.items()
            if column is not None
        }
        self._operation_slot = {code: self._slots[CONTRACEPTION.key][h] for code, h in OPERATIONS.items()}
        self._outcome_slot = {code: self._slots[PREGNANCY.key][h] for code, h in OUTCOME_COLUMN.items()}
        self._pregnancy_slot = {
            h: self._slots[PREGNANCY.key][h] for h in ("本月怀孕", "女性初婚人数", "其中未达法定婚龄")
        }

    def _rows(self, village: str) -> tuple[list[int], ...]:
        found = self._by_village.get(village)
        if found is None:
            counts = self.result.counts
            for spec in FIGURE_SHEETS:
                counts[spec.key][village] = [0] * self._width[spec.key]
            found = self._by_village[village] = tuple(counts[spec.key][village] for spec in FIGURE_SHEETS)
        return found

    def add_all(self, rows: Iterable[PersonRow]) -> None:
        """Count a batch of person rows."""
        for row in rows:
            self.add(row)

    def add(self, p: PersonRow) -> None:
        """Count one person."""
        self.result.persons += 1
        entry = p.moved_in or p.birth
        if entry is None:
            self.result.no_entry_date += 1
            return
        death, cancel = p.death, p.cancel_date
        exit_ = death if cancel is None or (death is not None and death <= cancel) else cancel
        if exit_ is not None and exit_ <= entry:
            self.result.left_out += 1
            return
        first, last = self.first, self.last
        if entry > last or (exit_ is not None and exit_ < first):
            return  # not in the unit at any time from the opening balance on
        population, births, contraception, pregnancy, flows = self._rows(p.village)
        present_end = entry <= last and (exit_ is None or last < exit_)
        married_wcba = present_end and self.married_woman(p)
        mgmt = p.mgmt
        if mgmt in HUJI:
            before = self.before
            if entry <= before and (exit_ is None or before < exit_):
                population[0] += 1  # 期初人口
            if present_end:
                population[6] += 1  # 期末人口
            if first <= entry <= last:
                population[1 if p.moved_in is None else 3] += 1  # 出生 / 迁入
            if exit_ is not None and first <= exit_ <= last:
                if exit_ == death or p.cancel_reason == "01":
                    population[2] += 1  # 死亡
                elif p.cancel_reason in MOVE_OUT:
                    population[4] += 1  # 迁出
                else:
                    population[5] += 1  # 其他减少
            if married_wcba:
                self._count_method(contraception, p.method, 1)
            # a 户籍 person in the unit at some time in the month: her births, operations, pregnancies, marriage
            since, married = p.method_since, p.first_marriage
            if (
                p.id in self._with_facts
                or (since is not None and first <= since <= last)
                or (married is not None and first <= married <= last)
            ):
                self._woman_events(p, present_end, births, contraception, pregnancy)
        if mgmt in FLOW and present_end:
            self._count_flow(flows, mgmt, married_wcba, flow_position(p.flow_since, first, last), 1)

    def present_at_end(self, p: PersonRow) -> bool:
        """Whether `p` is in the unit at the end of the month's last day (entry ≤ last < exit; a record whose
        exit is not after its entry never is)."""
        entry = p.moved_in or p.birth
        if entry is None or entry > self.last:
            return False
        death, cancel = p.death, p.cancel_date
        exit_ = death if cancel is None or (death is not None and death <= cancel) else cancel
        return exit_ is None or (exit_ > entry and self.last < exit_)

    def married_woman(self, p: PersonRow) -> bool:
        """The married-WCBA test at month end apart from presence (`docs/spec/returns.md`): female, married
        (20–23) with a first-marriage date on or before month end, aged 15–49 then. The one definition the
        避孕节育 and 流动人口 sheets, the 质量 sheet and its logic errors all use."""
        return (
            p.sex == "2"
            and p.marital in MARRIED
            and p.first_marriage is not None
            and p.first_marriage <= self.last
            and p.birth is not None
            and self.wcba_oldest < p.birth <= self.wcba_youngest
        )

    def huji_married_wcba(self, p: PersonRow) -> bool:
        """A 户籍 (mgmt 01/03) married WCBA present at month end: whom 避孕节育 counts as 已婚育龄妇女."""
        return p.mgmt in HUJI and self.present_at_end(p) and self.married_woman(p)

    def add_settled(
        self, village: str, mgmt: str | None, married_wcba: bool, method: str | None, flow: int, n: int
    ) -> None:
        """Count `n` settled persons alike: in the unit since before the month, no exit recorded, no history
        entry, contraception start or first marriage in the month (see :data:`SETTLED_NOTE`); `flow` is their
        :func:`flow_position`. This is what :meth:`add` does for such a person, `n` times over."""
        self.result.persons += n
        population, _births, contraception, _pregnancy, flows = self._rows(village)
        if mgmt in HUJI:
            population[0] += n  # 期初人口
            population[6] += n  # 期末人口
            if married_wcba:
                self._count_method(contraception, method, n)
        if mgmt in FLOW:
            self._count_flow(flows, mgmt, married_wcba, flow, n)

    def _count_method(self, contraception: list[int], method: str | None, n: int) -> None:
        """A married WCBA (n of them) and her current method (避孕节育)."""
        contraception[0] += n
        slot = self._method_slot.get(method or "")
        if slot is not None:
            contraception[1] += n  # 措施合计
            contraception[slot] += n

    @staticmethod
    def _count_flow(flows: list[int], mgmt: str, married_wcba: bool, flow: int, n: int) -> None:
        """Persons present at month end with mgmt 02/03 and a flow position (流动人口)."""
        if flow == FLOW_NONE:
            return
        base = 0 if mgmt == "02" else 2
        flows[base] += n
        if married_wcba:
            flows[base + 1] += n
        if flow == FLOW_NEW:
            flows[4 if mgmt == "02" else 5] += n

    def _woman_events(
        self, p: PersonRow, present_end: bool, births: list[int], contraception: list[int], pregnancy: list[int]
    ) -> None:
        """Births, operations, pregnancies and first marriage of a 户籍 person in the unit during the month."""
        first, last, women = self.first, self.last, self.women
        for child in women.births.get(p.id, ()):
            births[0] += 1
            if child.sex == "1":
                births[1] += 1
            elif child.sex == "2":
                births[2] += 1
            order = child.order
            if order is not None and order >= 1:
                births[3 if order == 1 else 4 if order == 2 else 5] += 1
            if child.policy == "1":
                births[6] += 1
            elif child.policy == "2":
                births[7] += 1
        operations = {(m, s) for m, s in women.former_methods.get(p.id, ())}
        if p.method_since is not None and first <= p.method_since <= last and p.method:
            operations.add((p.method, p.method_since))
        for method, _ in operations:
            slot = self._operation_slot.get(method)
            if slot is not None:
                contraception[slot] += 1
        pregnant = False
        for g in women.pregnancies.get(p.id, ()):
            done = g.outcome_date
            if g.lmp is not None and g.lmp <= last and (done is None or done > last):
                pregnant = True
            if done is not None and first <= done <= last:
                slot = self._outcome_slot.get(g.outcome or "")
                if slot is not None:
                    pregnancy[slot] += 1
            reported = g.reported or g.lmp
            if reported is not None and first <= reported <= last:
                pregnancy[self._pregnancy_slot["本月怀孕"]] += 1
        if pregnant and present_end:
            pregnancy[0] += 1
        married = p.first_marriage
        if p.sex == "2" and married is not None and first <= married <= last:
            pregnancy[self._pregnancy_slot["女性初婚人数"]] += 1
            if p.birth is not None and p.birth > born_by(
                dt.date.fromisoformat(married), self.legal_age(p.village, married)
            ):
                pregnancy[self._pregnancy_slot["其中未达法定婚龄"]] += 1


def count_month(
    first: dt.date,
    last: dt.date,
    villages: Iterable[str],
    persons: Iterable[PersonRow],
    women: WomanFacts,
    legal_age: LegalAge | None = None,
) -> MonthlyCounts:
    """All counts of the figure sheets for one month (convenience wrapper of :class:`MonthlyCounter`)."""
    counter = MonthlyCounter(first, last, villages, women, legal_age)
    counter.add_all(persons)
    return counter.result
