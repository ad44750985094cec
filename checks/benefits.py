"""Family-planning benefits and certificates (`docs/spec/domain.md` §8): 奖励扶助, 特别扶助, 独生子女父母光荣证
(BEN1–BEN3, CRT1).

The benefit year of a benefit is its `since` year (the first year paid; the conditions must hold from
then on), or the reference year when `since` is empty. A man's family history is read from his linked
wife's record.
"""

from __future__ import annotations

from typing import Any

from checks.model import T_BEN, T_CERT, Env, PersonView
from checks.registry import hit, rule


def _wife(p: PersonView, env: Env) -> PersonView | None:
    """The woman whose history describes the family: herself, or a man's linked wife."""
    if p.sx == "2":
        return p
    q = env.person(p.spouse)
    return q if q is not None and q.sx == "2" else None


def _history(w: PersonView | None) -> list[dict[str, Any]] | None:
    if w is None or w.woman is None:
        return None
    return w.woman.get("children") or []


def _year(p: PersonView, kind: str, env: Env) -> int | None:
    years = [b.get("since") for b in p.rec.get("benefits") or () if b.get("kind") == kind]
    if not years:
        return None
    known = [y for y in years if y is not None]
    return min(known) if known else env.as_of.year


@rule("BEN1", "W", "person", title="奖励扶助对象条件不符", fields=("benefits",), needs=T_BEN,
      message="享受奖励扶助（{year} 年起），但{problems}。请核实扶助资格。",
      example={"year": 2020, "problems": "当年未满 60 周岁（1965 年出生）"})  # fmt: skip
def ben1(p: PersonView, env: Env) -> object:
    """A 奖励扶助 recipient who does not reach 60 within the benefit year, was born before 1933-01-01, is not
    rural, or whose (or whose linked wife's) history is not "one living child, two living daughters, or
    children born but none living" (a missing history does not qualify)."""
    year = _year(p, "reward", env)
    if year is None:
        return None
    cfg = env.cfg
    problems = []
    if p.birth is not None:
        if p.birth.year + cfg.reward_age > year:
            problems.append(f"当年未满 {cfg.reward_age} 周岁（{p.birth.year} 年出生）")
        if p.birth < cfg.reward_born_from:
            problems.append(f"出生于 {cfg.reward_born_from.isoformat()} 以前")
    if p.rec.get("rural") is False:
        problems.append("不是农村居民")
    entries = _history(_wife(p, env))
    if entries is None:
        problems.append("没有可核对的生育史（本人或关联妻子的生育记录）")
    else:
        living = [c for c in entries if c.get("alive") is not False]
        ok = len(living) == 1 or (len(living) == 2 and all(c.get("sex") == "2" for c in living))
        ok = ok or (bool(entries) and not living)
        if not ok:
            problems.append(f"现有子女 {len(living)} 个，不是“一个子女、两个女孩或子女均已死亡”")
    if problems:
        return hit(year=year, problems="，".join(problems))
    return None


@rule("BEN2", "W", "person", title="特别扶助对象条件不符", fields=("benefits",), needs=T_BEN,
      message="享受特别扶助（{year} 年起），但{problems}。请核实扶助资格。",
      example={"year": 2020, "problems": "唯一子女存活且未登记三级以上残疾"})  # fmt: skip
def ben2(p: PersonView, env: Env) -> object:
    """A 特别扶助 recipient where the wife does not reach 49 within the benefit year, more than one child
    was ever born or adopted, or the only child is alive and not recorded as disabled grade 1–3."""
    year = _year(p, "special", env)
    if year is None:
        return None
    cfg = env.cfg
    wife = _wife(p, env)
    problems = []
    if wife is None:
        problems.append("没有关联妻子，无法核对")
    else:
        if wife.birth is not None and wife.birth.year + cfg.special_wife_age > year:
            problems.append(f"妻子当年未满 {cfg.special_wife_age} 周岁（{wife.birth.year} 年出生）")
        entries = _history(wife) or []
        born = [c for c in entries if c.get("blood") in ("1", "2")]
        if len(born) > 1:
            problems.append(f"曾生育或收养 {len(born)} 个子女")
        elif len(born) == 1:
            child = born[0]
            if child.get("alive") is not False and child.get("disabled_grade") not in cfg.special_disabled_grades:
                problems.append("唯一子女存活且未登记三级以上残疾")
    if problems:
        return hit(year=year, problems="，".join(problems))
    return None


@rule("BEN3", "W", "person", title="同时享受奖励扶助和特别扶助", fields=("benefits",), needs=T_BEN,
      message="同时享受奖励扶助和特别扶助。两项一般不能同时享受：请核实。", example={})  # fmt: skip
def ben3(p: PersonView, env: Env) -> object:
    """Active in both 奖励扶助 and 特别扶助."""
    kinds = {b.get("kind") for b in p.rec.get("benefits") or ()}
    if {"reward", "special"} <= kinds:
        return hit()
    return None


@rule("CRT1", "W", "woman", title="持独生子女证但子女多于一个", fields=("woman.only_child_certificate",), needs=T_CERT,
      message="持有独生子女父母光荣证（{number}），现有子女 {living} 个。请核实证件或生育史。",
      example={"number": "湘独2006001", "living": 2})  # fmt: skip
def crt1(p: PersonView, env: Env) -> object:
    """A 独生子女父母光荣证 holder with more than one living child."""
    cert = p.woman.get("only_child_certificate")
    if not cert:
        return None
    living = [c for c in p.wf.entries if c.get("alive") is not False]
    if len(living) > 1:
        return hit(number=cert.get("number") or "无编号", living=len(living))
    return None
