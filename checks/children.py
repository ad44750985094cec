"""The childbirth history (生养史) of a woman record: links, 孩次, spacing, ages, policy (CH01–CH07).

Live births are entries with 血缘关系 1; a delivery is live births at most 1 day apart (configurable).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from checks.dates import add_years, age, fmt
from checks.labels import child_label
from checks.model import T_FMD, T_KIDS, T_MOTHER, T_WOMAN, Env, PersonView
from checks.registry import hit, rule

_SEX = {"1": "男", "2": "女"}


@rule("CH01", "E", "woman", title="生育史与子女记录不符", fields=("woman.children",), needs=T_WOMAN | T_MOTHER,
      message="生育史与子女记录不符：{problems}。请核对生育史和子女的母亲关联。",
      example={"problems": "第 1 条（李娜，2005-09-01 出生）关联的成员出生日期为 2005-09-11"})  # fmt: skip
def ch01(p: PersonView, env: Env) -> object:
    """For a woman with a woman record: a person whose `mother` is her is missing from her history; a
    血缘 1 entry's linked member does not link her as mother; or a linked member's sex, birth date or death
    differs from the entry. One finding per entry, plus one for the persons missing from the history
    (records cancelled as duplicates or errors, 04/05, are left out)."""
    if p.sx != "2":
        return None
    entries = p.wf.entries
    hits = []
    for i, c in enumerate(entries):
        member = c.get("member")
        if member is None:
            continue
        q = env.person(member)
        problems, fields = [], [f"woman.children[{i}].member"]
        if q is None:
            problems.append(f"{child_label(i, c)}关联的成员 {member} 在本库中不存在")
        else:
            if c.get("blood") == "1" and q.mother != p.key:
                problems.append(f"{child_label(i, c)}是亲生子女，但成员 {q.name or q.key} 的母亲没有关联本人")
            if c.get("sex") in _SEX and q.sx is not None and c["sex"] != q.sx:
                problems.append(f"{child_label(i, c)}性别为{_SEX[c['sex']]}，关联的成员性别为{_SEX[q.sx]}")
                fields.append(f"woman.children[{i}].sex")
            if c.get("birth_date") is not None and q.birth is not None and c["birth_date"] != q.birth:
                problems.append(f"{child_label(i, c)}关联的成员出生日期为 {fmt(q.birth)}")
                fields.append(f"woman.children[{i}].birth_date")
            alive = c.get("alive")
            if alive is not None and alive == q.dead:
                state = "已死亡" if q.dead else "存活"
                problems.append(f"{child_label(i, c)}{'记为存活' if alive else '记为死亡'}，关联的成员{state}")
                fields.append(f"woman.children[{i}].alive")
        if problems:
            hits.append(hit(fields=fields, related=[member], entry=f"children[{i}]", problems="；".join(problems)))
    linked = {c.get("member") for c in entries}
    missing = [q for q in env.children_of(p.key) if q.key not in linked and q.cancel_reason not in ("04", "05")]
    if missing:
        missing.sort(key=lambda q: q.key)
        names = "、".join(f"{q.name or '无名'}（{fmt(q.birth)} 出生）" for q in missing)
        hits.append(hit(related=[q.key for q in missing], problems=f"{names}的母亲关联本人，但不在本人生育史中"))
    return hits or None


def _consistent(items: list[tuple[int, dict[str, Any]]], gap: int) -> bool:
    """Whether 孩次 number the items 1..n in birth-date order (births at most `gap` days apart in any order)."""
    items = sorted(items, key=lambda item: item[1]["birth_date"])
    expected = 1
    group: list[int] = []
    last = None
    for _, c in [*items, (None, None)]:
        if c is None or (last is not None and (c["birth_date"] - last).days > gap):
            if sorted(group) != list(range(expected, expected + len(group))):
                return False
            expected += len(group)
            group = []
        if c is not None:
            group.append(c["order"])
            last = c["birth_date"]
    return True


@rule("CH02", "E", "woman", title="孩次与出生顺序不符", fields=("woman.children",), needs=T_KIDS,
      message="生育史的孩次为 {orders}（按出生日期排列），应从 1 起连续编号。请改正孩次。",
      example={"orders": "1、3"})  # fmt: skip
def ch02(p: PersonView, env: Env) -> object:
    """孩次 of her entries are not exactly 1..n in birth-date order (births of one delivery may be numbered
    in any order). The numbering of all entries and the numbering of the live births alone are both
    accepted (`docs/spec/rules.md` says both "孩次 numbers all entries" and "CH02 uses live births only"). Entries
    without 孩次 or birth date are left to REQ5."""
    entries = p.wf.entries
    if not entries or any(c.get("order") is None or c.get("birth_date") is None for c in entries):
        return None
    items = list(enumerate(entries))
    ordered = sorted(entries, key=lambda c: (c["birth_date"], c["order"]))
    if [c["order"] for c in ordered] == list(range(1, len(ordered) + 1)):
        return None  # numbered 1..n in birth-date order (ties by 孩次): consistent under any delivery grouping
    gap = env.cfg.delivery_gap_days
    if _consistent(items, gap) or _consistent(p.wf.births, gap):
        return None
    ordered = sorted(items, key=lambda item: (item[1]["birth_date"], item[0]))
    return hit(fields=[f"woman.children[{i}].order" for i, _ in ordered],
               orders="、".join(str(c["order"]) for _, c in ordered))  # fmt: skip


@rule("CH03", "E", "woman", title="两次分娩间隔过短", fields=("woman.children",), needs=T_KIDS,
      message="{child}与上一次分娩（{previous}）仅相隔 {days} 天，不足 {limit} 天。请核对两个出生日期。",
      example={"child": "第 2 条（李强，2006-01-10 出生）", "previous": "2005-09-01", "days": 131, "limit": 180})  # fmt: skip
def ch03(p: PersonView, env: Env) -> object:
    """Two deliveries less than 180 days apart (from the last birth of one delivery to the first of the
    next). One finding per later delivery."""
    hits = []
    deliveries = p.wf.deliveries
    limit = env.cfg.birth_spacing_days
    for before, after in pairwise(deliveries):
        last, (i, c) = before[-1][1], after[0]
        days = (c["birth_date"] - last["birth_date"]).days
        if days < limit:
            hits.append(hit(fields=[f"woman.children[{before[-1][0]}].birth_date", f"woman.children[{i}].birth_date"],
                            entry=f"children[{i}]", child=child_label(i, c), previous=fmt(last["birth_date"]),
                            days=days, limit=limit))  # fmt: skip
    return hits or None


@rule("CH04", "W", "woman", title="生育年龄异常", fields=("woman.children",), needs=T_KIDS,
      message="{child}出生时母亲 {age} 周岁，不在 {low}–{high} 岁之间。请核对出生日期；确属实可核实无误。",
      example={"child": "第 1 条（李娜，2005-09-01 出生）", "age": 14, "low": 15, "high": 49})  # fmt: skip
def ch04(p: PersonView, env: Env) -> object:
    """A live birth when she was younger than 15 or older than 49 (completed years at the birth)."""
    if p.birth is None:
        return None
    low, high = env.cfg.birth_min_age, env.cfg.birth_max_age
    hits = []
    for i, c in p.wf.births:
        years = age(p.birth, c["birth_date"])
        if years < low or years > high:
            hits.append(hit(fields=[f"woman.children[{i}].birth_date", "birth_date"], entry=f"children[{i}]",
                            child=child_label(i, c), age=years, low=low, high=high))  # fmt: skip
    return hits or None


@rule("CH05", "E", "woman", title="子女出生时母亲不满 12 岁", fields=("woman.children",), needs=T_KIDS,
      message="{child}早于母亲出生日期（{birth}）加 {years} 年。请核对母亲或子女的出生日期。",
      example={"child": "第 1 条（李娜，1990-09-01 出生）", "birth": "1982-06-15", "years": 12})  # fmt: skip
def ch05(p: PersonView, env: Env) -> object:
    """A live birth dated before her birth date plus 12 years."""
    if p.birth is None:
        return None
    years = env.cfg.birth_min_years
    limit = add_years(p.birth, years)
    hits = [hit(fields=[f"woman.children[{i}].birth_date", "birth_date"], entry=f"children[{i}]",
                child=child_label(i, c), birth=fmt(p.birth), years=years)
            for i, c in p.wf.births if c["birth_date"] < limit]  # fmt: skip
    return hits or None


@rule("CH06", "I", "woman", title="婚前生育", fields=("woman.children",), needs=T_KIDS | T_FMD,
      message="{child}早于母亲的初婚日期 {married}。仅供参考；日期有误请改正。",
      example={"child": "第 1 条（李娜，2003-09-01 出生）", "married": "2004-05-01"})  # fmt: skip
def ch06(p: PersonView, env: Env) -> object:
    """A live birth dated before her 初婚日期 (information only: non-marital births are registrable)."""
    married = p.first_marriage
    if married is None:
        return None
    hits = [hit(fields=[f"woman.children[{i}].birth_date", "first_marriage_date"], entry=f"children[{i}]",
                child=child_label(i, c), married=fmt(married))
            for i, c in p.wf.births if c["birth_date"] < married]  # fmt: skip
    return hits or None


@rule("CH07", "W", "woman", title="政策属性与生育政策不符", fields=("woman.children",), needs=T_KIDS,
      message="{child}按孩次 {order} 和当时的生育政策（{period}最多 {ceiling} 孩）应为{expected}，登记为{actual}。请核对政策属性。",
      example={"child": "第 3 条（李强，2018-04-02 出生）", "order": 3, "period": "2016-01-01 起", "ceiling": 2,
               "expected": "政策外", "actual": "政策内"})  # fmt: skip
def ch07(p: PersonView, env: Env) -> object:
    """政策属性 contradicts the ceiling at the delivery date, judged by the delivery's lowest 孩次: 政策内 for
    孩次 ≥ 3 before 2021-05-31 or ≥ 4 from then on; 政策外 for 孩次 ≤ 2 from 2016-01-01 to 2021-05-30 or ≤ 3
    from 2021-05-31. Before 2016 a 孩次 ≤ 2 is trusted as recorded. Births before her 初婚日期 (CH06) are
    exempt. The ceilings are a per-province table."""
    married = p.first_marriage
    hits = []
    for delivery in p.wf.deliveries:
        orders = [c["order"] for _, c in delivery if c.get("order") is not None]
        if not orders:
            continue
        low = min(orders)
        period = env.region.policy_at(delivery[0][1]["birth_date"])
        for i, c in delivery:
            if married is not None and c["birth_date"] < married:
                continue
            policy = c.get("policy")
            if policy == "1" and low > period.ceiling:
                expected, actual = "政策外", "政策内"
            elif policy == "2" and low <= period.ceiling and not period.trust_within:
                expected, actual = "政策内", "政策外"
            else:
                continue
            if period.since.year > 1:
                label = f"{period.since.isoformat()} 起"
            else:
                later = [x.since for x in env.region.policy if x.since.year > 1]
                label = f"{min(later).isoformat()} 以前" if later else ""
            hits.append(hit(fields=[f"woman.children[{i}].policy"], entry=f"children[{i}]", child=child_label(i, c),
                            order=low, period=label, ceiling=period.ceiling, expected=expected,
                            actual=actual))  # fmt: skip
    return hits or None
