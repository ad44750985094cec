"""Deaths and dates: death against status and life events, dates in the future, implausible ages
(DTH1–DTH3, DAT1–DAT2). DTH2 and DTH3 also audit cancelled persons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from checks.dates import fmt
from checks.model import T_DEATH, T_FUT, T_OLD, Env, PersonView
from checks.registry import hit, rule


def life_events(p: PersonView) -> Iterator[tuple[str, str, dt.date]]:
    """(field path, label, date) of the person's dated life events (not the birth, not the cancellation)."""
    if p.first_marriage is not None:
        yield "first_marriage_date", "初婚日期", p.first_marriage
    if p.marriage_change is not None:
        yield "marriage_change_date", "婚姻变动日期", p.marriage_change
    moved = p.rec.get("moved_in")
    if moved and moved.get("date") is not None:
        yield "moved_in.date", "迁入日期", moved["date"]
    flow = p.flow
    if flow and flow.get("since") is not None:
        yield "flow.since", "流动日期", flow["since"]
    wf = p.wf
    if wf is not None:
        if wf.since is not None:
            yield "woman.contraception.since", "避孕措施日期", wf.since
        for i, g in enumerate(wf.pregnancies):
            if g.get("lmp") is not None:
                yield f"woman.pregnancies[{i}].lmp", "末次月经", g["lmp"]
            if g.get("outcome_date") is not None:
                yield f"woman.pregnancies[{i}].outcome_date", "妊娠结局日期", g["outcome_date"]


@rule("DTH1", "E", "person", title="已死亡未注销", fields=("death_date", "cancel"), needs=T_DEATH,
      message="已登记死亡日期 {death}，但人员仍为正常状态。请办理注销（原因 01 人口死亡登记）。",
      example={"death": "2026-10-03"})  # fmt: skip
def dth1(p: PersonView, env: Env) -> object:
    """A death date is recorded but the person is still active (not cancelled)."""
    if p.death_date is not None and p.active:
        return hit(death=fmt(p.death_date))
    return None


@rule("DTH2", "E", "person", title="死亡日期与其他日期矛盾", fields=("death_date",), needs=T_DEATH, cancelled_too=True,
      message="死亡日期 {death} {what}。请核对死亡日期和有关日期。",
      example={"death": "2020-05-01", "what": "早于婚姻变动日期 2021-03-01"})  # fmt: skip
def dth2(p: PersonView, env: Env) -> object:
    """The death date is before the birth date, or a life event (marriage, marriage change, method start, LMP,
    outcome, move, flow) is dated after the death date. The cancellation date is administrative and not such
    an event. Audits cancelled persons too."""
    death = p.death_date
    if death is None:
        return None
    problems, fields = [], ["death_date"]
    if p.birth is not None and death < p.birth:
        problems.append(f"早于出生日期 {fmt(p.birth)}")
        fields.append("birth_date")
    for path, label, day in life_events(p):
        if day > death:
            problems.append(f"早于{label} {fmt(day)}")
            fields.append(path)
    if problems:
        return hit(fields=fields, death=fmt(death), what="，".join(problems))
    return None


@rule("DTH3", "E", "person", title="死亡注销无死亡日期", fields=("death_date",), needs=T_DEATH, cancelled_too=True,
      message="以“01 人口死亡登记”注销，但没有死亡日期。请补录死亡日期。", example={})  # fmt: skip
def dth3(p: PersonView, env: Env) -> object:
    """Cancelled with reason 01 人口死亡登记 but no death date. Audits cancelled persons too."""
    if p.cancel_reason == "01" and p.death_date is None:
        return hit()
    return None


@rule("DAT1", "E", "person", needs=T_FUT, title="日期在将来", fields=("birth_date",),
      message="{items} 在将来（晚于 {cut}）。请核对日期。", example={"items": "初婚日期 2027-05-01", "cut": "2026-11-15"})  # fmt: skip
def dat1(p: PersonView, env: Env) -> object:
    """A recorded date (birth, marriage, marriage change, method start, LMP, outcome, move, flow) is in the
    future: after both the reference date and the day the audit runs. One finding for the person's own dates
    and one per pregnancy with a future date."""
    cut = env.cut
    own: list[tuple[str, str, dt.date]] = []
    per_entry: dict[str, list[tuple[str, str, dt.date]]] = {}
    if p.birth is not None and p.birth > cut:
        own.append(("birth_date", "出生日期", p.birth))
    for path, label, day in life_events(p):
        if day > cut:
            if path.startswith("woman.pregnancies["):
                per_entry.setdefault(path.split(".")[1], []).append((path, label, day))
            else:
                own.append((path, label, day))
    hits = []
    for entry, items in [(None, own), *per_entry.items()]:
        if items:
            hits.append(hit(fields=[x[0] for x in items], entry=entry, cut=fmt(cut),
                            items="、".join(f"{label} {fmt(day)}" for _, label, day in items)))  # fmt: skip
    return hits or None


@rule("DAT2", "W", "person", needs=T_OLD, title="年龄超过 110 岁", fields=("birth_date",),
      message="出生日期 {birth}，现年 {age} 岁，超过 {limit} 岁。请核对出生日期或是否已死亡。",
      example={"birth": "1910-01-01", "age": 116, "limit": 110})  # fmt: skip
def dat2(p: PersonView, env: Env) -> object:
    """An active person aged over 110."""
    if p.age is not None and p.age > env.cfg.max_age:
        return hit(birth=fmt(p.birth), age=p.age, limit=env.cfg.max_age)
    return None
