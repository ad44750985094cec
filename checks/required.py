"""Completeness of the main items (主要数据项): REQ1–REQ8."""

from __future__ import annotations

from checks.dates import fmt
from checks.labels import marital_label, method_label
from checks.model import (
    T_ADULT,
    T_CHG,
    T_EVER,
    T_FMD,
    T_GAPS,
    T_INFANT,
    T_KIDS,
    T_MCD,
    T_METHOD,
    T_NOID,
    T_NOMS,
    T_WCBA,
    Env,
    PersonView,
)
from checks.registry import hit, rule

_MAIN = (("name", "姓名"), ("sex", "性别"), ("birth_date", "出生日期"), ("id_number", "公民身份号码"),
         ("ethnicity", "民族"), ("hukou_nature", "户口性质"), ("relation", "与户主关系"))  # fmt: skip
_CHILD_ITEMS = (("name", "姓名"), ("sex", "性别"), ("birth_date", "出生日期"), ("order", "孩次"),
                ("policy", "政策属性"), ("blood", "血缘关系"))  # fmt: skip


def _infant(p: PersonView, env: Env) -> bool:
    return p.age is not None and p.age < env.cfg.infant_years


@rule("REQ1", "E", "person", needs=T_GAPS, title="主要数据项为空", fields=tuple(k for k, _ in _MAIN),
      message="主要数据项为空：{items}。请补录。", example={"items": "民族、户口性质"})  # fmt: skip
def req1(p: PersonView, env: Env) -> object:
    """A main item is empty: 姓名, 性别 (0 and 9 count as empty), 出生日期, 公民身份号码 (a placeholder
    counts as empty; a child under 1 year is REQ7 instead), 民族, 户口性质 or 与户主关系."""
    rec = p.rec
    missing = []
    for key, label in _MAIN:
        if key == "sex":
            empty = p.sx is None
        elif key == "id_number":
            empty = p.id_missing and not _infant(p, env)
        else:
            value = rec.get(key)
            empty = value is None or value == ""
        if empty:
            missing.append((key, label))
    if missing:
        return hit(fields=[k for k, _ in missing], items="、".join(label for _, label in missing))
    return None


@rule("REQ2", "E", "person", needs=T_ADULT | T_NOMS, title="婚姻状况为空", fields=("marital_status",),
      message="已满 {age} 周岁（{age_now} 岁），婚姻状况为空或未说明。请补录婚姻状况。",
      example={"age": 15, "age_now": 23})  # fmt: skip
def req2(p: PersonView, env: Env) -> object:
    """Age 15 or more and 婚姻状况 empty (90 未说明 counts as empty)."""
    if p.age is not None and p.age >= env.cfg.adult_age and p.marital in (None, "", "90"):
        return hit(age=env.cfg.adult_age, age_now=p.age)
    return None


@rule("REQ3", "E", "person", title="初婚日期为空", fields=("first_marriage_date",), needs=T_EVER | T_ADULT, avoid=T_FMD,
      message="婚姻状况为 {status}，初婚日期为空。请补录初婚日期。", example={"status": "21 初婚"})  # fmt: skip
def req3(p: PersonView, env: Env) -> object:
    """Ever married (20–23, 30, 40), age 15 or more, and 初婚日期 empty."""
    if p.ever_married and p.first_marriage is None and p.age is not None and p.age >= env.cfg.adult_age:
        return hit(status=marital_label(p.marital))
    return None


@rule("REQ4", "E", "person", title="婚姻变动日期为空", fields=("marriage_change_date",), needs=T_CHG, avoid=T_MCD,
      message="婚姻状况为 {status}，婚姻变动日期为空。请补录再婚、复婚、丧偶或离婚的日期。",
      example={"status": "40 离婚"})  # fmt: skip
def req4(p: PersonView, env: Env) -> object:
    """Marital status 22, 23, 30 or 40 and 婚姻变动日期 empty."""
    if p.marital in ("22", "23", "30", "40") and p.marriage_change is None:
        return hit(status=marital_label(p.marital))
    return None


@rule("REQ5", "E", "woman", title="生育史项目为空", fields=("woman.children",), needs=T_KIDS,
      message="生育史第 {n} 条（{child}）缺少：{items}。请补录（未取名可填“未取名”）。",
      example={"n": 2, "child": "2017-03-26 出生", "items": "政策属性、血缘关系"})  # fmt: skip
def req5(p: PersonView, env: Env) -> object:
    """A childbirth-history entry lacks 姓名 (未取名 is accepted), 性别, 出生日期, 孩次, 政策属性 or 血缘关系.
    One finding per entry."""
    hits = []
    for i, c in enumerate(p.wf.entries):
        get = c.get
        if (
            get("name")
            and get("sex")
            and get("birth_date")
            and get("order") is not None
            and get("policy")
            and get("blood")
        ):
            continue
        missing = [(k, label) for k, label in _CHILD_ITEMS if c.get(k) is None or c.get(k) == ""]
        if missing:
            child = c.get("name") or (f"{fmt(c.get('birth_date'))} 出生" if c.get("birth_date") else "无名")
            hits.append(hit(fields=[f"woman.children[{i}].{k}" for k, _ in missing], entry=f"children[{i}]",
                            n=i + 1, child=child, items="、".join(label for _, label in missing)))  # fmt: skip
    return hits or None


@rule("REQ6", "E", "woman", title="避孕措施缺少开始日期", fields=("woman.contraception.since",), needs=T_METHOD,
      message="避孕措施为 {method}，但没有措施日期。请补录措施开始日期。", example={"method": "03 宫内节育器"})  # fmt: skip
def req6(p: PersonView, env: Env) -> object:
    """A contraceptive method other than 00 无措施 without a start date."""
    wf = p.wf
    if wf.method not in (None, "00") and wf.since is None:
        return hit(method=method_label(wf.method))
    return None


@rule("REQ7", "W", "person", needs=T_INFANT | T_NOID, title="婴儿无身份证号", fields=("id_number",),
      message="未满 1 周岁的婴儿（{birth} 出生）尚无身份证号。办理户口后请补录身份证号。",
      example={"birth": "2026-06-01"})  # fmt: skip
def req7(p: PersonView, env: Env) -> object:
    """A child under 1 year without an ID number (a placeholder counts as none)."""
    if p.id_missing and _infant(p, env):
        return hit(birth=fmt(p.birth))
    return None


@rule("REQ8", "E", "woman", title="已婚育龄妇女无避孕节育情况", fields=("woman.contraception.method",), needs=T_WCBA, avoid=T_METHOD,
      message="已婚育龄妇女（{age} 岁）没有避孕节育情况。请录入避孕措施（未避孕填 00 无措施）。",
      example={"age": 31})  # fmt: skip
def req8(p: PersonView, env: Env) -> object:
    """A married woman of childbearing age (active, female, status 20–23, 15–49 at the reference date)
    without a recorded contraception status (00 无措施 counts as recorded)."""
    cfg = env.cfg
    if (p.sx == "2" and p.married and p.age is not None and cfg.wcba_min_age <= p.age <= cfg.wcba_max_age
            and (p.wf is None or p.wf.method is None)):  # fmt: skip
        return hit(age=p.age)
    return None
