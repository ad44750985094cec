"""Households: the householder, relation codes against sex and age, spouses of the householder, empty
households (HH01–HH05)."""

from __future__ import annotations

from checks.dates import age, fmt
from checks.model import T_HSP, T_KIN, T_SEXREL, Env, HouseholdView, PersonView
from checks.registry import hit, rule
from store.codes import (
    RELATION_CHILD_BLOOD,
    RELATION_GRANDCHILD_BLOOD,
    RELATION_PARENT_BLOOD,
    RELATION_SEX,
    RELATION_SPOUSE,
    TABLES,
)

_SEX = {"1": "男", "2": "女"}


def _relation(code: str | None) -> str:
    return f"{code} {TABLES['relation'].label(code)}" if code else "空"


@rule("HH01", "E", "household", title="户主不唯一", fields=("members",),
      message="本户有 {count} 名在册户主（与户主关系 02）{names}，应恰好 1 名。请指定或改正户主。",
      example={"count": 0, "names": ""})  # fmt: skip
def hh01(h: HouseholdView, env: Env) -> object:
    """An active family household without exactly one active member with relation 02 户主 (collective
    households are exempt)."""
    household = h.household
    if household.get("status", "active") != "active" or household.get("kind", "family") != "family":
        return None
    heads = h.householders
    if len(heads) == 1:
        return None
    if heads:
        fields = [f"members[{h.index_of(p.key)}].relation" for p in heads]
    else:
        fields = [f"members[{h.index_of(p.key)}].relation" for p in h.active_members]
    names = f"（{'、'.join(p.name or p.key for p in heads)}）" if heads else ""
    return hit(fields=fields, related=[p.key for p in heads], count=len(heads), names=names)


@rule("HH02", "E", "person", needs=T_SEXREL, title="与户主关系与性别不符", fields=("relation", "sex"),
      message="与户主关系为 {relation}（应为{implied}性），登记的性别为{sex}。请核对关系或性别。",
      example={"relation": "12 妻", "implied": "女", "sex": "男"})  # fmt: skip
def hh02(p: PersonView, env: Env) -> object:
    """The sex implied by the relation code (`docs/spec/domain.md` §3.4) differs from the recorded sex."""
    implied = RELATION_SEX.get(p.relation or "")
    if implied is not None and p.sx is not None and implied != p.sx:
        return hit(relation=_relation(p.relation), implied=_SEX[implied], sex=_SEX[p.sx])
    return None


@rule("HH03", "W", "person", needs=T_KIN, title="与户主关系与年龄不符", fields=("relation", "birth_date"),
      message="与户主关系为 {relation}，但与户主（{head}，{head_birth} 出生）{what}。请核对关系或出生日期。",
      example={"relation": "32 长女", "head": "李建国", "head_birth": "1980-03-12", "what": "只相差 12 岁，应至少小 15 岁"})  # fmt: skip
def hh03(p: PersonView, env: Env) -> object:
    """Relation against age, blood relations only: a parent (51, 52) less than 15 years older than the
    householder; a child (20–26, 29, 30–36, 39) less than 15 years younger; a grandchild (40–44, 47–49) less
    than 30 years younger (completed years between the birth dates)."""
    relation = p.relation
    if relation in RELATION_PARENT_BLOOD:
        gap, older = env.cfg.parent_gap_years, True
    elif relation in RELATION_CHILD_BLOOD:
        gap, older = env.cfg.child_gap_years, False
    elif relation in RELATION_GRANDCHILD_BLOOD:
        gap, older = env.cfg.grandchild_gap_years, False
    else:
        return None
    heads = env.household.householders
    if len(heads) != 1 or p.birth is None or heads[0].birth is None or heads[0].key == p.key:
        return None
    head = heads[0]
    years = age(p.birth, head.birth) if older else age(head.birth, p.birth)
    if years < gap:
        what = f"只相差 {max(years, 0)} 岁，应至少{'大' if older else '小'} {gap} 岁"
        return hit(relation=_relation(relation), head=head.name or head.key, head_birth=fmt(head.birth), what=what)
    return None


@rule("HH04", "E", "person", needs=T_HSP, title="户主配偶多于一人", fields=("relation",),
      message="本户有 {count} 名成员的与户主关系为配偶（{names}）。户主只能有一名配偶：请改正关系。",
      example={"count": 2, "names": "王秀英、张丽"})  # fmt: skip
def hh04(p: PersonView, env: Env) -> object:
    """More than one active member of a household with a spouse-of-householder code (10, 11, 12); reported
    on each of them."""
    if p.relation not in RELATION_SPOUSE:
        return None
    spouses = env.household.spouse_relations
    if len(spouses) > 1:
        others = [q.key for q in spouses if q.key != p.key]
        return hit(related=others, count=len(spouses), names="、".join(q.name or q.key for q in spouses))
    return None


@rule("HH05", "W", "household", title="空户未销户", fields=("household.status",),
      message="本户没有在册成员，户状态仍为{status}。请办理销户或核实。", example={"status": "正常"})  # fmt: skip
def hh05(h: HouseholdView, env: Env) -> object:
    """A household with no active members whose status is not closed."""
    status = h.household.get("status") or "active"
    if not h.active_members and status != "closed":
        return hit(status=TABLES["household_status"].label(status))
    return None
