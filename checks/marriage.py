"""Marriage: dates, legal age, status against the spouse link, and the spouse pair (MAR1–MAR9).

"Linked spouses" are two records of which at least one links the other as spouse; the pair rules (MAR5,
MAR7, MAR9) report on every record of such a pair, naming the other.
"""

from __future__ import annotations

from checks.dates import age, fmt
from checks.labels import marital_label
from checks.model import T_FMD, T_MARR, T_MARRIED, T_MCD, T_NOTWED, T_PAIR, T_SPOUSE, Env, PersonView
from checks.registry import hit, rule


def partners(p: PersonView, env: Env) -> list[PersonView]:
    """Records linked with `p` as spouses, in either direction (computed once per person)."""
    if p._partners is not None:
        return p._partners
    found: dict[str, PersonView] = {}
    q = env.person(p.spouse)
    if q is not None and q.key != p.key:
        found[q.key] = q
    for q in env.spouse_linkers(p.key):
        found.setdefault(q.key, q)
    p._partners = list(found.values())
    return p._partners


def _who(q: PersonView) -> str:
    return f"{q.name or '无名'}（户 {q.household}）"


@rule("MAR1", "E", "person", title="初婚日期早于出生日期", fields=("first_marriage_date", "birth_date"), needs=T_FMD,
      message="初婚日期 {married} 早于出生日期 {birth}。请核对两个日期。",
      example={"married": "1979-05-01", "birth": "1980-03-12"})  # fmt: skip
def mar1(p: PersonView, env: Env) -> object:
    """初婚日期 is before the birth date."""
    if p.first_marriage is not None and p.birth is not None and p.first_marriage < p.birth:
        return hit(married=fmt(p.first_marriage), birth=fmt(p.birth))
    return None


@rule("MAR2", "W", "person", title="初婚年龄低于法定婚龄", fields=("first_marriage_date", "birth_date"), needs=T_FMD,
      message="初婚时 {age} 周岁（{married} 结婚），低于当时的法定婚龄 {minimum} 岁。请核对出生日期和初婚日期；确属实可核实无误。",
      example={"age": 19, "married": "2001-05-01", "minimum": 20})  # fmt: skip
def mar2(p: PersonView, env: Env) -> object:
    """Age at 初婚日期 below the legal minimum in force then: before 1981-01-01 women 18, men 20; from then on
    women 20, men 22 (configurable per region)."""
    married, birth = p.first_marriage, p.birth
    if married is None or birth is None or p.sx is None or married < birth:
        return None
    law = env.region.marriage_age(married)
    minimum = law.female if p.sx == "2" else law.male
    years = age(birth, married)
    if years < minimum:
        return hit(age=years, married=fmt(married), minimum=minimum)
    return None


@rule("MAR3", "E", "person", title="婚姻状况与婚姻信息矛盾", fields=("marital_status",), needs=T_MARR | T_NOTWED,
      message="婚姻状况为 {status}，却有{what}。请改正婚姻状况或删去{what}。",
      example={"status": "10 未婚", "what": "初婚日期"})  # fmt: skip
def mar3(p: PersonView, env: Env) -> object:
    """Status 10 未婚 with 初婚日期, 婚姻变动日期 or a linked spouse; or status 30 丧偶 / 40 离婚 with a linked
    spouse."""
    found = []
    if p.marital == "10":
        if p.first_marriage is not None:
            found.append(("first_marriage_date", "初婚日期"))
        if p.marriage_change is not None:
            found.append(("marriage_change_date", "婚姻变动日期"))
    if p.marital in ("10", "30", "40") and p.spouse is not None:
        found.append(("spouse", "关联的配偶"))
    if found:
        return hit(fields=["marital_status", *(k for k, _ in found)], status=marital_label(p.marital),
                   what="、".join(label for _, label in found))  # fmt: skip
    return None


@rule("MAR4", "W", "person", title="已婚未关联配偶", fields=("spouse",), needs=T_MARRIED, avoid=T_SPOUSE,
      message="婚姻状况为 {status}，但没有关联本库中的配偶记录{external}。请关联配偶；配偶不在本库可核实无误。",
      example={"status": "21 初婚", "external": "（外地配偶：张三）"})  # fmt: skip
def mar4(p: PersonView, env: Env) -> object:
    """Married (20–23) and no spouse linked in the database. A spouse known only as external text is still
    reported; the message shows it."""
    if p.married and p.spouse is None:
        ext = p.rec.get("spouse_external")
        text = f"（外地配偶：{ext.get('name') or ext.get('id_number') or '无名'}）" if ext else ""
        return hit(status=marital_label(p.marital), external=text)
    return None


@rule("MAR5", "E", "pair", title="配偶性别相同", fields=("sex", "spouse"), needs=T_PAIR,
      message="与配偶 {others} 性别相同。请核对双方的性别或配偶关联。", example={"others": "王秀英（h7-2）"})  # fmt: skip
def mar5(p: PersonView, env: Env) -> object:
    """Linked spouses of the same sex."""
    if p.sx is None:
        return None
    found = [q for q in partners(p, env) if q.sx == p.sx]
    if found:
        return hit(related=sorted(q.key for q in found), others="、".join(map(_who, found)))
    return None


@rule("MAR6", "E", "person", title="配偶关联不对应", fields=("spouse",), needs=T_SPOUSE,
      message="关联的配偶 {spouse} {why}。请核对配偶关联和双方的婚姻状况。",
      example={"spouse": "王秀英（h7-2）", "why": "没有反向关联本人"})  # fmt: skip
def mar6(p: PersonView, env: Env) -> object:
    """A spouse link that is not returned, or that points to a person who is not married (20–23); reported on
    the record holding the link."""
    if p.spouse is None:
        return None
    q = env.person(p.spouse)
    if q is None:
        return hit(spouse=p.spouse, why="在本库中不存在")
    if q.spouse != p.key:
        return hit(spouse=_who(q), why="没有反向关联本人")
    if not q.married:
        return hit(spouse=_who(q), why=f"的婚姻状况为 {marital_label(q.marital)}")
    return None


@rule("MAR7", "E", "pair", title="配偶不在同一户", fields=("spouse",), needs=T_PAIR,
      message="配偶 {others} 也在本乡镇，却登记在另一户。夫妻应在同一家庭户：请把一方迁入对方户或改正配偶关联。",
      example={"others": "王秀英（h7-2，户 430426101201010008）"})  # fmt: skip
def mar7(p: PersonView, env: Env) -> object:
    """Linked spouses, both active in this township, in different households (the spouses' records belong in
    one family household)."""
    town = p.household[:9]
    found = [q for q in partners(p, env) if q.active and q.household[:9] == town and q.household != p.household]
    if found:
        return hit(related=sorted(q.key for q in found),
                   others="、".join(f"{q.name or '无名'}（户 {q.household}）" for q in found))  # fmt: skip
    return None


@rule("MAR8", "E", "person", title="婚姻变动日期早于初婚日期", fields=("marriage_change_date", "first_marriage_date"),
      needs=T_FMD | T_MCD, message="婚姻变动日期 {change} 早于初婚日期 {married}。请核对两个日期。",
      example={"change": "2003-01-01", "married": "2004-05-01"})  # fmt: skip
def mar8(p: PersonView, env: Env) -> object:
    """婚姻变动日期 before 初婚日期."""
    if p.marriage_change is not None and p.first_marriage is not None and p.marriage_change < p.first_marriage:
        return hit(change=fmt(p.marriage_change), married=fmt(p.first_marriage))
    return None


@rule("MAR9", "W", "pair", title="夫妻初婚日期不一致", fields=("first_marriage_date",), needs=T_PAIR | T_FMD,
      message="本人与配偶 {others} 都是初婚，初婚日期却不同（本人 {married}，配偶 {theirs}）。请核对初婚日期。",
      example={"others": "王秀英（h7-2）", "married": "2004-05-01", "theirs": "2004-06-01"})  # fmt: skip
def mar9(p: PersonView, env: Env) -> object:
    """Linked spouses both 21 初婚 with different 初婚日期 (both present)."""
    if p.marital != "21" or p.first_marriage is None:
        return None
    found = [q for q in partners(p, env)
             if q.marital == "21" and q.first_marriage is not None and q.first_marriage != p.first_marriage]  # fmt: skip
    if found:
        return hit(related=sorted(q.key for q in found), others="、".join(map(_who, found)),
                   married=fmt(p.first_marriage), theirs="、".join(fmt(q.first_marriage) for q in found))  # fmt: skip
    return None
