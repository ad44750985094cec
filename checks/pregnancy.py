"""Pregnancies (孕情): who can be pregnant, open pregnancies, EDD, outcomes and births (PRG1–PRG6)."""

from __future__ import annotations

from checks.dates import age, fmt
from checks.model import T_PREG, Env, PersonView
from checks.registry import hit, rule


@rule("PRG1", "E", "woman", title="孕情登记对象不符", fields=("woman.pregnancies",), needs=T_PREG,
      message="第 {n} 条孕情（末次月经 {lmp}）登记在{who}名下。请核对性别、出生日期或末次月经。",
      example={"n": 1, "lmp": "2026-03-01", "who": "男性"})  # fmt: skip
def prg1(p: PersonView, env: Env) -> object:
    """A pregnancy recorded for a male, or for a woman aged under 10 or over 55 at the LMP. Persons whose sex
    is 0 or 9 are skipped. One finding per pregnancy."""
    if p.sx is None:
        return None
    low, high = env.cfg.pregnancy_min_age, env.cfg.pregnancy_max_age
    hits = []
    for i, g in enumerate(p.wf.pregnancies):
        lmp = g.get("lmp")
        if p.sx == "1":
            who, fields = "男性", ["sex", f"woman.pregnancies[{i}]"]
        elif lmp is not None and p.birth is not None and not low <= age(p.birth, lmp) <= high:
            who, fields = f"末次月经时 {age(p.birth, lmp)} 周岁的妇女", ["birth_date", f"woman.pregnancies[{i}].lmp"]
        else:
            continue
        hits.append(hit(fields=fields, entry=f"pregnancies[{i}]", n=i + 1, lmp=fmt(lmp), who=who))
    return hits or None


@rule("PRG2", "W", "woman", title="孕情久无结局", fields=("woman.pregnancies",), needs=T_PREG,
      message="第 {n} 条孕情末次月经 {lmp} 已过 {days} 天（超过 {limit} 天）仍无妊娠结局。请登记结局。",
      example={"n": 1, "lmp": "2025-10-01", "days": 410, "limit": 300})  # fmt: skip
def prg2(p: PersonView, env: Env) -> object:
    """An open pregnancy (no outcome) whose LMP is more than 300 days before the reference date."""
    limit = env.cfg.open_pregnancy_days
    hits = []
    for i, g in p.wf.open:
        lmp = g.get("lmp")
        if lmp is not None and (env.as_of - lmp).days > limit:
            hits.append(hit(fields=[f"woman.pregnancies[{i}].outcome", f"woman.pregnancies[{i}].lmp"],
                            entry=f"pregnancies[{i}]", n=i + 1, lmp=fmt(lmp), days=(env.as_of - lmp).days,
                            limit=limit))  # fmt: skip
    return hits or None


@rule("PRG3", "W", "woman", title="预产期与末次月经不符", fields=("woman.pregnancies",), needs=T_PREG,
      message="第 {n} 条孕情预产期 {edd} 与末次月经 {lmp} 加 {term} 天（{expected}）相差 {diff} 天，超过 {tolerance} 天。请核对日期。",
      example={"n": 1, "edd": "2026-12-20", "lmp": "2026-02-01", "term": 280, "expected": "2026-11-08",
               "diff": 42, "tolerance": 14})  # fmt: skip
def prg3(p: PersonView, env: Env) -> object:
    """The EDD differs from LMP + 280 days by more than 14 days."""
    import datetime as dt

    term, tolerance = env.cfg.term_days, env.cfg.edd_tolerance_days
    hits = []
    for i, g in enumerate(p.wf.pregnancies):
        lmp, edd = g.get("lmp"), g.get("edd")
        if lmp is None or edd is None:
            continue
        expected = lmp + dt.timedelta(days=term)
        diff = abs((edd - expected).days)
        if diff > tolerance:
            hits.append(hit(fields=[f"woman.pregnancies[{i}].edd", f"woman.pregnancies[{i}].lmp"],
                            entry=f"pregnancies[{i}]", n=i + 1, edd=fmt(edd), lmp=fmt(lmp), term=term,
                            expected=fmt(expected), diff=diff, tolerance=tolerance))  # fmt: skip
    return hits or None


@rule("PRG4", "E", "woman", title="妊娠结局早于末次月经", fields=("woman.pregnancies",), needs=T_PREG,
      message="第 {n} 条孕情结局日期 {outcome} 早于末次月经 {lmp}。请核对日期。",
      example={"n": 1, "outcome": "2016-05-01", "lmp": "2016-06-20"})  # fmt: skip
def prg4(p: PersonView, env: Env) -> object:
    """The outcome date is before the LMP."""
    hits = []
    for i, g in enumerate(p.wf.pregnancies):
        lmp, outcome = g.get("lmp"), g.get("outcome_date")
        if lmp is not None and outcome is not None and outcome < lmp:
            hits.append(hit(fields=[f"woman.pregnancies[{i}].outcome_date", f"woman.pregnancies[{i}].lmp"],
                            entry=f"pregnancies[{i}]", n=i + 1, outcome=fmt(outcome), lmp=fmt(lmp)))  # fmt: skip
    return hits or None


@rule("PRG5", "E", "woman", title="活产未登记生育史", fields=("woman.pregnancies",), needs=T_PREG,
      message="第 {n} 条孕情结局为活产（{outcome}），生育史中没有前后 {window} 天内出生的亲生子女。请补录生育史或核对结局。",
      example={"n": 1, "outcome": "2017-03-26", "window": 30})  # fmt: skip
def prg5(p: PersonView, env: Env) -> object:
    """Outcome 1 活产 with no live birth in her history within 30 days of the outcome date."""
    window = env.cfg.outcome_window_days
    births = [c["birth_date"] for _, c in p.wf.births]
    hits = []
    for i, g in enumerate(p.wf.pregnancies):
        outcome = g.get("outcome_date")
        if (
            g.get("outcome") == "1"
            and outcome is not None
            and not any(abs((b - outcome).days) <= window for b in births)
        ):
            hits.append(hit(fields=[f"woman.pregnancies[{i}].outcome", "woman.children"], entry=f"pregnancies[{i}]",
                            n=i + 1, outcome=fmt(outcome), window=window))  # fmt: skip
    return hits or None


@rule("PRG6", "E", "woman", title="多条未结束孕情", fields=("woman.pregnancies",), needs=T_PREG,
      message="有 {count} 条没有结局的孕情（末次月经 {lmps}）。同一时间只能有一次怀孕：请登记前一次的结局。",
      example={"count": 2, "lmps": "2025-01-10、2026-06-01"})  # fmt: skip
def prg6(p: PersonView, env: Env) -> object:
    """More than one open pregnancy."""
    open_ = p.wf.open
    if len(open_) > 1:
        return hit(fields=[f"woman.pregnancies[{i}].outcome" for i, _ in open_], count=len(open_),
                   lmps="、".join(fmt(g.get("lmp")) for _, g in open_))  # fmt: skip
    return None
