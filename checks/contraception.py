"""Contraception (避孕节育): methods against sex, marriage, age, pregnancies and later births (CON1–CON5).

The contraception of a couple is stored on the woman, including 01 男性绝育."""

from __future__ import annotations

from checks.dates import add_years, fmt
from checks.labels import child_label, method_label
from checks.model import T_KIDS, T_MALE, T_METHOD, T_PREG, Env, PersonView
from checks.registry import hit, rule
from store.codes import FEMALE_METHODS, STERILISATION

_ANY_METHOD = frozenset(f"0{i}" for i in range(1, 10))
_LONG_OR_SHORT = frozenset(f"0{i}" for i in range(3, 10))
_FAILURE_PRONE = frozenset({"01", "02", "03", "04"})


@rule("CON1", "E", "person", title="男性登记女性避孕措施", fields=("woman.contraception.method", "sex"), needs=T_METHOD | T_MALE,
      message="性别为男，却登记了女性避孕措施 {method}。请核对性别或把措施登记在妻子名下。",
      example={"method": "03 宫内节育器"})  # fmt: skip
def con1(p: PersonView, env: Env) -> object:
    """A female method (02 女性绝育, 03 宫内节育器, 04 皮下埋植, 05 口服避孕药, 06 注射避孕针) recorded on a male."""
    if p.sx == "1" and p.wf.method in FEMALE_METHODS:
        return hit(method=method_label(p.wf.method))
    return None


@rule("CON2", "W", "woman", title="避孕措施与婚姻或年龄不符", fields=("woman.contraception.method",), needs=T_METHOD,
      message="{who}登记了避孕措施 {method}。请核对；确属实可核实无误。",
      example={"who": "未婚妇女", "method": "03 宫内节育器"})  # fmt: skip
def con2(p: PersonView, env: Env) -> object:
    """Method 01–09 for a never-married (10 未婚) woman, or 03–09 for a woman aged 50 or more."""
    method = p.wf.method
    if method in _ANY_METHOD and p.marital == "10":
        return hit(fields=["woman.contraception.method", "marital_status"], who="未婚妇女", method=method_label(method))
    limit = env.cfg.method_age_limit
    if method in _LONG_OR_SHORT and p.age is not None and p.age >= limit:
        return hit(fields=["woman.contraception.method", "birth_date"], who=f"{p.age} 岁（{limit} 岁及以上）妇女",
                   method=method_label(method))  # fmt: skip
    return None


@rule("CON3", "W", "woman", title="避孕期间怀孕未登记失败", fields=("woman.contraception.failure",), needs=T_PREG | T_METHOD,
      message="末次月经 {lmp} 的怀孕尚无结局，而避孕措施为 {method}，未登记避孕失败类型。请登记失败类型或核对措施。",
      example={"lmp": "2026-06-01", "method": "03 宫内节育器"})  # fmt: skip
def con3(p: PersonView, env: Env) -> object:
    """An open pregnancy while her method is 01–04 and no failure type is recorded. One finding per open
    pregnancy."""
    wf = p.wf
    if not wf.open or wf.method not in _FAILURE_PRONE or wf.contraception.get("failure") is not None:
        return None
    return [hit(fields=["woman.contraception.failure", f"woman.pregnancies[{i}].lmp"], entry=f"pregnancies[{i}]",
                lmp=fmt(g.get("lmp")), method=method_label(wf.method)) for i, g in wf.open]  # fmt: skip


@rule("CON4", "E", "woman", title="避孕措施早于 15 周岁", fields=("woman.contraception.since",), needs=T_METHOD,
      message="避孕措施 {method} 的日期 {since} 早于本人满 {age} 周岁（{birthday}）。请核对措施日期或出生日期。",
      example={"method": "03 宫内节育器", "since": "1994-01-01", "age": 15, "birthday": "1995-06-15"})  # fmt: skip
def con4(p: PersonView, env: Env) -> object:
    """A method other than 01 男性绝育 whose start date is before her 15th birthday."""
    wf = p.wf
    if wf.method is None or wf.method == "01" or wf.since is None or p.birth is None:
        return None
    birthday = add_years(p.birth, env.cfg.method_min_age)
    if wf.since < birthday:
        return hit(fields=["woman.contraception.since", "birth_date"], method=method_label(wf.method), since=fmt(wf.since),
                   age=env.cfg.method_min_age, birthday=fmt(birthday))  # fmt: skip
    return None


@rule("CON5", "W", "woman", title="绝育后生育", fields=("woman.contraception.failure",), needs=T_METHOD | T_KIDS,
      message="{child}晚于绝育措施 {method}（{since}），未登记失败或复通。请登记失败类型/复通，或核对日期。",
      example={"child": "第 2 条（李强，2010-05-01 出生）", "method": "02 女性绝育", "since": "2006-01-10"})  # fmt: skip
def con5(p: PersonView, env: Env) -> object:
    """A live birth after the start of a sterilisation (01 or 02) with no failure or reversal recorded. One
    finding per birth."""
    wf = p.wf
    if wf.method not in STERILISATION or wf.since is None or wf.contraception.get("failure") is not None:
        return None
    hits = [hit(fields=["woman.contraception.failure", f"woman.children[{i}].birth_date"], entry=f"children[{i}]",
                child=child_label(i, c), method=method_label(wf.method), since=fmt(wf.since))
            for i, c in wf.births if c["birth_date"] > wf.since]  # fmt: skip
    return hits or None
