"""Duplicate records (重复建档): the same real ID number twice, or the same name, sex and birth date twice in
the township. Both are pair rules: every record involved gets one finding naming the others. DUP1
suppresses DUP2 for the same pair."""

from __future__ import annotations

from checks.dates import fmt
from checks.model import T_DUP, T_ID, Env, PersonView
from checks.registry import hit, rule


def _names(persons: list[PersonView]) -> str:
    return "、".join(f"{q.name or '无名'}（户 {q.household}）" for q in persons)


@rule("DUP1", "E", "pair", title="身份证号重复", fields=("id_number",), needs=T_ID | T_DUP,
      message="身份证号 {id} 与 {others} 相同。请核实是否同一人：同一人的多余记录按“重复人口注销”注销，不同人则改正错误的号码。",
      example={"id": "430426198003120019", "others": "李建国（户 430426101201010008）"},
      suppresses_pair=("DUP2",))  # fmt: skip
def dup1(p: PersonView, env: Env) -> object:
    """Two active persons with the same real ID number (15-digit numbers compared in upgraded form;
    placeholders never count)."""
    others = env.same_id(p)
    if others:
        others.sort(key=lambda q: q.key)
        return hit(related=[q.key for q in others], id=p.id_canonical, others=_names(others))
    return None


@rule("DUP2", "W", "pair", title="疑似重复人口", fields=("name", "sex", "birth_date"), needs=T_DUP,
      message="本乡镇的 {others} 与本人姓名（{name}）、性别、出生日期（{birth}）相同，疑似重复建档。请核实；确为不同人可核实无误。",
      example={"name": "王秀英", "birth": "1982-06-15", "others": "王秀英（户 430426101203020011）"})  # fmt: skip
def dup2(p: PersonView, env: Env) -> object:
    """Two active persons of this township with the same name, sex and birth date, unless both have valid,
    different ID numbers (passing ID01–ID05) or both link the same mother (twins)."""
    found = []
    for q in env.same_nsb(p):
        if p.id_canonical is not None and p.id_canonical == q.id_canonical:
            continue  # the same number: DUP1 reports this pair (DUP1 suppresses DUP2)
        if p.id_valid and q.id_valid and p.id_canonical != q.id_canonical:
            continue
        if p.mother is not None and p.mother == q.mother:
            continue
        found.append(q)
    if found:
        found.sort(key=lambda q: q.key)
        return hit(related=[q.key for q in found], name=p.name, birth=fmt(p.birth), others=_names(found))
    return None
