"""Data-quality indicators (`docs/spec/quality.md`) per village, township and county, and the verification sample.

Every figure is computed from the stored audit (the ``finding`` table, which :func:`checks.engine.run_audit`
fills at a reference date) plus a few aggregate queries on ``person`` and ``change_event``. Totals are
pooled: numerators and denominators are summed over the villages of a unit, never averaged.

Rates are fractions (0.025 = 2.5 %); ``score`` is 0–100; an undefined rate (empty denominator) is None.
The JSON object of a unit (:meth:`UnitQuality.to_json`) has exactly the keys of `docs/spec/quality.md` plus
``unit_code``, ``unit_name`` and ``level``; thresholds, per-indicator verdicts, numerators and
denominators and the "可提高" list are on the :class:`UnitQuality` object.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.config import AuditConfig
from checks.dates import age
from store.verification import RESULTS_KEY as RESULTS_KEY

__all__ = [
    "INDICATORS",
    "QualityConfig",
    "UnitCounts",
    "UnitQuality",
    "accuracy_from_results",
    "compute_quality",
    "draw_sample",
    "logic_rules",
    "sample_order",
    "sample_size",
]

#: JSON keys of a unit, in order (`docs/spec/quality.md`).
INDICATORS = ("persons", "married_wcba", "completeness_rate", "logic_errors", "logic_error_rate", "error_record_rate",
              "id_valid_rate", "duplicate_rate", "timeliness_rate", "accuracy_rate", "score", "passed")  # fmt: skip
TITLES = {
    "persons": "人口数", "married_wcba": "已婚育龄妇女数", "completeness_rate": "主要数据项完整率",
    "logic_errors": "逻辑错误条数", "logic_error_rate": "逻辑关系误差率", "error_record_rate": "错误记录率",
    "id_valid_rate": "身份证号码合格率", "duplicate_rate": "重复建档率", "timeliness_rate": "录入及时率",
    "accuracy_rate": "主要数据项准确率", "score": "质量得分", "passed": "是否达标",
}  # fmt: skip
_LEVELS = {"village": 0, "township": 1, "county": 2}


@dataclass(frozen=True)
class QualityConfig:
    """Thresholds (indicator → (">=" or "<=", value)) and the other parameters of `docs/spec/quality.md`."""

    thresholds: tuple[tuple[str, str, float], ...] = (
        ("completeness_rate", ">=", 0.95),
        ("logic_error_rate", "<=", 0.10),
        ("id_valid_rate", ">=", 0.95),
        ("duplicate_rate", "<=", 0.0),
        ("timeliness_rate", ">=", 0.95),
        ("accuracy_rate", ">=", 0.95),
    )
    logic_multiplier: int = 10  # relations audited per married WCBA
    deadline_day: int = 5  # entries of a month are on time until the end of this day of the next month
    #: (minimum village population, sample percentage), largest first.
    sample_rates: tuple[tuple[int, int], ...] = ((2000, 5), (1000, 10), (0, 15))
    recheck_rate: float = 0.10  # logic_error_rate above which a village is re-checked household by household
    near: float = 0.05  # "within 5 points" of a threshold


def logic_rules(config: AuditConfig | None = None) -> frozenset[str]:
    """The rules counted by the logic-error rate: every E rule but REQ*, DUP* and ID01–ID03 (configurable)."""
    if config is not None and config.logic_rules is not None:
        return config.logic_rules
    from checks.registry import all_rules

    return frozenset(
        code for code, r in all_rules().items()
        if r.severity == "E" and not code.startswith(("REQ", "DUP")) and code not in ("ID01", "ID02", "ID03")
    )  # fmt: skip


@dataclass
class UnitCounts:
    """Numerators and denominators of one unit; pooled by adding (:meth:`add`)."""

    persons: int = 0
    married_wcba: int = 0
    incomplete: int = 0
    logic_errors: int = 0
    error_records: int = 0
    id_total: int = 0
    id_invalid: int = 0
    duplicates: int = 0
    events: int = 0
    events_on_time: int = 0
    items_verified: int = 0
    items_correct: int = 0
    #: for "可提高": the rule sets that make persons incomplete / ID-invalid / duplicated, logic errors per rule.
    incomplete_by: Counter[frozenset[str]] = field(default_factory=Counter)
    id_invalid_by: Counter[frozenset[str]] = field(default_factory=Counter)
    duplicates_by: Counter[frozenset[str]] = field(default_factory=Counter)
    logic_by: Counter[str] = field(default_factory=Counter)

    def add(self, other: UnitCounts) -> None:
        for name in ("persons", "married_wcba", "incomplete", "logic_errors", "error_records", "id_total",
                     "id_invalid", "duplicates", "events", "events_on_time", "items_verified", "items_correct"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("incomplete_by", "id_invalid_by", "duplicates_by", "logic_by"):
            getattr(self, name).update(getattr(other, name))

    def fixed(self, rule: str) -> UnitCounts:
        """The counts as if every finding of `rule` were fixed."""
        out = UnitCounts(**{k: v for k, v in self.__dict__.items() if not k.endswith("_by")})
        out.incomplete -= sum(n for rules, n in self.incomplete_by.items() if rules <= {rule})
        out.id_invalid -= sum(n for rules, n in self.id_invalid_by.items() if rules <= {rule})
        out.duplicates -= sum(n for rules, n in self.duplicates_by.items() if rules <= {rule})
        out.logic_errors -= self.logic_by.get(rule, 0)
        return out

    def indicators(self, multiplier: int) -> dict[str, Any]:
        def rate(num: int, den: int) -> float | None:
            return num / den if den else None

        persons = self.persons
        values: dict[str, Any] = {
            "persons": persons,
            "married_wcba": self.married_wcba,
            "completeness_rate": rate(persons - self.incomplete, persons),
            "logic_errors": self.logic_errors,
            "logic_error_rate": rate(self.logic_errors, self.married_wcba * multiplier),
            "error_record_rate": rate(self.error_records, persons),
            "id_valid_rate": rate(self.id_total - self.id_invalid, self.id_total),
            "duplicate_rate": rate(self.duplicates, persons),
            "timeliness_rate": rate(self.events_on_time, self.events),
            "accuracy_rate": rate(self.items_correct, self.items_verified),
        }
        values["score"] = score(values)
        return values


def score(values: dict[str, Any]) -> float | None:
    """100 × the mean of the defined terms (`docs/spec/quality.md`)."""
    terms = []
    for key, flip in (("completeness_rate", False), ("logic_error_rate", True), ("id_valid_rate", False),
                      ("duplicate_rate", True), ("timeliness_rate", False), ("accuracy_rate", False)):  # fmt: skip
        value = values.get(key)
        if value is not None:
            terms.append(min(1.0, max(0.0, 1 - value)) if flip else value)
    return 100 * sum(terms) / len(terms) if terms else None


@dataclass
class UnitQuality:
    """The quality figures of one unit."""

    unit_code: str
    unit_name: str
    level: str
    counts: UnitCounts
    values: dict[str, Any]
    verdicts: dict[str, str]  # indicator → "pass" | "near" | "fail" (defined indicators with a threshold)
    improvements: list[tuple[str, float]]  # (rule, score gained if its findings were fixed), best first
    full_recheck: bool = False
    timeliness_final: bool = True

    @property
    def passed(self) -> bool:
        """Every defined indicator meets its threshold ("near" is a display hint, not a pass)."""
        return all_pass(self.verdicts)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unit_code": self.unit_code, "unit_name": self.unit_name, "level": self.level}
        for key in INDICATORS:
            out[key] = self.passed if key == "passed" else self.values[key]
        return out


def all_pass(verdicts: dict[str, str]) -> bool:
    """是否达标: every judged indicator passes."""
    return all(v == "pass" for v in verdicts.values())


def verdicts(values: dict[str, Any], config: QualityConfig) -> dict[str, str]:
    """pass / near / fail of each defined indicator against the thresholds of `config`."""
    out = {}
    for key, op, limit in config.thresholds:
        value = values.get(key)
        if value is None:
            continue
        ok = value >= limit if op == ">=" else value <= limit
        gap = (limit - value) if op == ">=" else (value - limit)
        out[key] = "pass" if ok else ("near" if gap <= config.near else "fail")
    return out


def _improvements(counts: UnitCounts, config: QualityConfig, base: float | None) -> list[tuple[str, float]]:
    if base is None:
        return []
    rules = set(counts.logic_by)
    for group in (counts.incomplete_by, counts.id_invalid_by, counts.duplicates_by):
        rules.update(r for key in group for r in key if len(key) == 1)
    gains = []
    for rule in sorted(rules):
        after = counts.fixed(rule).indicators(config.logic_multiplier)["score"]
        if after is not None and after - base > 1e-9:
            gains.append((rule, after - base))
    gains.sort(key=lambda item: (-item[1], item[0]))
    return gains[:5]


def latest_birth(as_of: dt.date, years: int) -> dt.date:
    """The latest birth date whose 周岁 at `as_of` is at least `years` (consistent with :func:`age`)."""
    day = min(as_of.day, 28)
    guess = dt.date(as_of.year - years, as_of.month, day)
    while age(guess + dt.timedelta(days=1), as_of) >= years:
        guess += dt.timedelta(days=1)
    while age(guess, as_of) < years:
        guess -= dt.timedelta(days=1)
    return guess


def _wcba_sql(as_of: dt.date, config: AuditConfig) -> tuple[str, list[Any]]:
    """SQL condition on `p` for a married WCBA at `as_of` (`docs/spec/rules.md` conventions) and its parameters."""
    oldest = latest_birth(as_of, config.wcba_max_age + 1)
    youngest = latest_birth(as_of, config.wcba_min_age)
    sql = ("p.cancel_reason IS NULL AND p.sex = '2' AND p.marital_status IN ('20', '21', '22', '23') "
           "AND p.birth_date <= ? AND p.birth_date > ?")  # fmt: skip
    return sql, [youngest, oldest]


def accuracy_from_results(results: Iterable[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Verification results → village code → (items verified, items correct).

    A result is ``{"unit": village code (or "household_code"/"person_key" with "unit" absent: the
    household code's first 12 digits), "item": main item, "correct": bool, ...}``; results are read back
    from the sample checklist (a later issue) or stored as JSON in the ``setting`` ``verification_results``."""
    out: dict[str, list[int]] = {}
    for result in results:
        unit = result.get("unit") or (result.get("household_code") or "")[:12]
        if not unit:
            continue
        slot = out.setdefault(unit, [0, 0])
        slot[0] += 1
        slot[1] += 1 if result.get("correct") else 0
    return {k: (v[0], v[1]) for k, v in out.items()}


#: the change events timeliness counts (`docs/spec/quality.md`): entered in the app, not a correction line (更正
#: withdraws a fact of a closed month; it is no event entered late) and not reversed (撤销: a wrong event, whether
#: withdrawn from an open month or corrected in a later one, is no event of the month). One ``?``: False.
TIMELY_EVENTS = (
    "e.source = 'app' AND e.correction = ? AND NOT EXISTS (SELECT 1 FROM event_reversal r WHERE r.event_id = e.id)"
)


def _deadline(month_start: dt.date, day: int) -> dt.datetime:
    """End of `day` of the month after `month_start` (entries before this instant are on time)."""
    year, month = (month_start.year + 1, 1) if month_start.month == 12 else (month_start.year, month_start.month + 1)
    return dt.datetime(year, month, day) + dt.timedelta(days=1)


async def _village_counts(
    as_of: dt.date, audit_config: AuditConfig, config: QualityConfig, results: Iterable[dict[str, Any]] | None,
    month: dt.date,
) -> dict[str, UnitCounts]:  # fmt: skip
    from store import db
    from store.verification import load_results

    counts: dict[str, UnitCounts] = {}

    def unit(code: str) -> UnitCounts:
        found = counts.get(code)
        if found is None:
            found = counts[code] = UnitCounts()
        return found

    village = "substr(p.household_id, 1, 12)"
    wcba, params = _wcba_sql(as_of, audit_config)
    # one pass: active persons, those of id_type 1 and the married WCBA among them
    sql = (f"SELECT {village}, count(*), sum(CASE WHEN p.id_type = '1' THEN 1 ELSE 0 END), "
           f"sum(CASE WHEN {wcba} THEN 1 ELSE 0 END) FROM person p WHERE p.cancel_reason IS NULL GROUP BY 1")  # fmt: skip
    for code, n, id_total, married_wcba in await db.fetch(sql, params):
        c = unit(code)
        c.persons, c.id_total, c.married_wcba = int(n), int(id_total or 0), int(married_wcba or 0)
    # findings on active persons, with the person's facts
    rows = await db.fetch(
        f"SELECT {village}, f.person_key, f.rule, f.severity, f.confirmed, f.fields_json, p.id_type, "
        f"CASE WHEN {wcba} THEN 1 ELSE 0 END FROM finding f JOIN person p ON p.key = f.person_key "
        "WHERE p.cancel_reason IS NULL",
        params,
    )
    logic = logic_rules(audit_config)
    per_person: dict[tuple[str, str], list[Any]] = {}
    for code, key, rule, severity, confirmed, fields_json, id_type, is_wcba in rows:
        per_person.setdefault((code, key), []).append((rule, severity, bool(confirmed), fields_json, id_type,
                                                       bool(is_wcba)))  # fmt: skip
    for (code, _key), items in per_person.items():
        c = unit(code)
        errors = {rule for rule, severity, *_ in items if severity == "E"}
        if errors:
            c.error_records += 1
        incomplete = frozenset(r for r in errors if r.startswith("REQ"))
        if incomplete:
            c.incomplete += 1
            c.incomplete_by[incomplete] += 1
        dups = frozenset(
            rule for rule, _, confirmed, *_ in items if rule == "DUP1" or (rule == "DUP2" and not confirmed)
        )
        if dups:
            c.duplicates += 1
            c.duplicates_by[dups] += 1
        id_type, is_wcba = items[0][4], items[0][5]
        if id_type == "1":
            if any(rule == "REQ7" for rule, *_ in items):
                c.id_total -= 1  # a child under 1 without an ID is left out
            else:
                failing = {r for r in errors if r in ("ID01", "ID02", "ID03", "ID04", "ID05")}
                if any(rule == "REQ1" and "id_number" in json.loads(fj or "[]") for rule, _, _, fj, *_ in items):
                    failing.add("REQ1")
                if failing:
                    c.id_invalid += 1
                    c.id_invalid_by[frozenset(failing)] += 1
        if is_wcba:
            for rule in errors & logic:
                c.logic_errors += 1
                c.logic_by[rule] += 1
    # timeliness: change events of the reporting month entered in the app (:data:`TIMELY_EVENTS`)
    start = month
    end = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    deadline = _deadline(start, config.deadline_day)
    sql = ("SELECT substr(e.household_code, 1, 12), count(*), sum(CASE WHEN e.entered_at < ? THEN 1 ELSE 0 END) "
           f"FROM change_event e WHERE {TIMELY_EVENTS} AND e.event_date >= ? AND e.event_date < ? GROUP BY 1")  # fmt: skip
    for code, n, on_time in await db.fetch(sql, [deadline, False, start, end]):
        c = unit(code)
        c.events, c.events_on_time = int(n), int(on_time or 0)
    if results is None:
        results = await load_results()
    for code, (verified, correct) in accuracy_from_results(results).items():
        c = unit(code)
        c.items_verified, c.items_correct = verified, correct
    return counts


async def compute_quality(
    as_of: dt.date | None = None,
    *,
    results: Iterable[dict[str, Any]] | None = None,
    month: str | None = None,
    config: QualityConfig | None = None,
    audit_config: AuditConfig | None = None,
    today: dt.date | None = None,
) -> list[UnitQuality]:
    """Quality per village, township and county (villages first, then townships, then counties) from the
    stored audit. `as_of` defaults to the date of the stored audit; the reporting month of timeliness is
    `month` ('YYYY-MM') or the month of `as_of`; `results` are verification results (else those stored)."""
    from checks.settings import load_config, stored_as_of
    from store import db

    config = config or QualityConfig()
    audit_config = audit_config or await load_config()
    today = today or dt.date.today()
    as_of = as_of or await stored_as_of() or today
    start = dt.date.fromisoformat(month + "-01") if month else as_of.replace(day=1)
    villages = await _village_counts(as_of, audit_config, config, results, start)
    final = today > _deadline(start, config.deadline_day).date() - dt.timedelta(days=1)
    units = [(r[0], r[1], r[2]) for r in await db.fetch(
        "SELECT code, name, level FROM unit WHERE level IN ('village', 'township', 'county') ORDER BY code")]  # fmt: skip
    declared = {code for code, _, level in units if level == "village"}
    units += [(code, code, "village") for code in sorted(set(villages) - declared)]
    out = []
    for code, name, level in units:
        pooled = UnitCounts()
        if level == "village":
            pooled.add(villages.get(code, UnitCounts()))
        else:
            for v, c in villages.items():
                if v.startswith(code):
                    pooled.add(c)
        values = pooled.indicators(config.logic_multiplier)
        rate = values["logic_error_rate"]
        out.append(UnitQuality(
            unit_code=code, unit_name=name, level=level, counts=pooled, values=values,
            verdicts=verdicts(values, config), improvements=_improvements(pooled, config, values["score"]),
            full_recheck=rate is not None and rate > config.recheck_rate, timeliness_final=final,
        ))  # fmt: skip
    out.sort(key=lambda u: (_LEVELS.get(u.level, 3), u.unit_code))
    return out


# --- verification sample (抽查) ----------------------------------------------------------------------------


def sample_size(persons: int, married_wcba: int, config: QualityConfig | None = None) -> int:
    """ceiling(rate × married WCBA), at least 1 when the village has any; the rate by population."""
    config = config or QualityConfig()
    if married_wcba <= 0:
        return 0
    pct = next(p for least, p in config.sample_rates if persons >= least)
    return max(1, (pct * married_wcba + 99) // 100)


def sample_order(village_code: str, month: str, keys: Iterable[str]) -> list[str]:
    """Keys ordered by SHA-256 of ``village code + "|" + YYYY-MM + "|" + person key``."""

    def digest(key: str) -> str:
        return hashlib.sha256(f"{village_code}|{month}|{key}".encode()).hexdigest()

    return sorted(keys, key=lambda k: (digest(k), k))


def sample_from(village_code: str, month: str, persons: int, wcba_keys: Sequence[str],
                config: QualityConfig | None = None) -> list[str]:  # fmt: skip
    """The sample of a village: the first n of its married WCBA in the reproducible order."""
    return sample_order(village_code, month, wcba_keys)[: sample_size(persons, len(wcba_keys), config)]


async def draw_sample(
    village_code: str, month: str, as_of: dt.date | None = None, config: QualityConfig | None = None
) -> list[str]:
    """Person keys of the verification sample of a village for a month ('YYYY-MM'); married WCBA are taken
    at `as_of` (default: the month's last day)."""
    from checks.settings import load_config
    from store import db

    start = dt.date.fromisoformat(month + "-01")
    if as_of is None:
        as_of = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1) - dt.timedelta(days=1)
    persons = int(await db.scalar(
        "SELECT count(*) FROM person p WHERE p.cancel_reason IS NULL AND substr(p.household_id, 1, 12) = ?",
        [village_code]) or 0)  # fmt: skip
    wcba, params = _wcba_sql(as_of, await load_config())
    rows = await db.fetch(f"SELECT p.key FROM person p WHERE {wcba} AND substr(p.household_id, 1, 12) = ?",
                          [*params, village_code])  # fmt: skip
    return sample_from(village_code, month, persons, [r[0] for r in rows], config)
