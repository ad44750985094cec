"""Monthly changes (月度变更): one function per line kind of the paper change report.

Each change function takes a household record (as :func:`store.records.load_households` returns it) and the
fields of the change, and returns the changed copy; the input is never modified. :func:`apply_change`
dispatches by kind and :func:`save_change` stores the result through :func:`store.service.save_households`
(the one write path: version check, change events, audit log). The writer derives the change events from
the record diff (:mod:`store.events`), so each change here sets exactly the facts of its event.

Wrong input raises :class:`store.errors.StoreError` with a one-line Chinese message before anything is
written. The domain rules (new members, spouse links, surnames, the child's relation, the table of kinds) are
those of :mod:`store.domain`, shared with the forms; the policy suggestion lives in :mod:`checks.suggest`.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from store import db, events, histories
from store.access import enforce_in_scope
from store.codes import HOUSEHOLDER, TABLES
from store.domain import families, keys, people, surnames
from store.domain import marriage as marital
from store.domain.change_kinds import CHANGE_KINDS, NEW_MEMBER_KINDS
from store.domain.dates import to_date
from store.domain.families import householder, next_child_order, woman_of_household
from store.errors import ConflictError, StoreError
from store.records import load_households
from store.regions import region_name
from store.scope import Who

Record = dict[str, Any]
Fields = dict[str, Any]

__all__ = [
    "CHANGES",
    "EVENT_FIELD",
    "KINDS",
    "KIND_BY_KEY",
    "NEW_MEMBER_KINDS",
    "SavedChange",
    "apply_change",
    "as_date",
    "change_date",
    "child_relation",
    "child_surname",
    "find_member",
    "householder",
    "new_key",
    "next_child_order",
    "open_pregnancy",
    "resolve_spouse",
    "save_change",
    "save_moving",
    "unit_name",
    "unused_key",
    "woman_of_household",
]

#: kind → (key on the paper form, Chinese label): a view of :data:`store.domain.change_kinds.CHANGE_KINDS`.
KINDS: dict[str, tuple[str, str]] = {k.kind: (k.key, k.label) for k in CHANGE_KINDS}
KIND_BY_KEY: dict[str, str] = {k.key: k.kind for k in CHANGE_KINDS}
MOVE_OUT_REASONS = ("02", "03", "06")
OTHER_CANCEL_REASONS = ("04", "05", "99")


# --- small helpers -------------------------------------------------------------------------------


def as_date(value: Any, label: str, *, required: bool = True) -> dt.date | None:
    """A date from a date or ISO text; StoreError naming `label` when missing or wrong."""
    try:
        date = to_date(value)
    except ValueError:
        raise StoreError(f"{label}不是有效日期：{value}") from None
    if date is None and required:
        raise StoreError(f"请填写{label}。")
    return date


def _code(fields: Fields, name: str, table: str, label: str, default: str | None = None,
          allowed: tuple[str, ...] | None = None) -> str:  # fmt: skip
    value = fields.get(name) or default
    if not value:
        raise StoreError(f"请填写{label}。")
    value = str(value)
    if value not in TABLES[table] or (allowed is not None and value not in allowed):
        raise StoreError(f"{label}代码无效：{value}")
    return value


def _text(fields: Fields, name: str) -> str | None:
    value = fields.get(name)
    return str(value).strip() or None if value is not None else None


def _not_future(date: dt.date, label: str, today: dt.date | None) -> None:
    if date > (today or dt.date.today()):
        raise StoreError(f"{label} {date.isoformat()} 晚于今天，请核对。")


def find_member(record: Record, key: Any) -> Record:
    """The member with `key`; StoreError when the household has none."""
    for person in record["members"]:
        if person["key"] == key:
            return person
    raise StoreError(f"这一户没有编号为 {key} 的人员。请重新查找。")


def _active(record: Record, key: Any, label: str = "此人") -> Record:
    person = find_member(record, key)
    if person.get("cancel") is not None or person.get("death_date") is not None:
        raise StoreError(f"{person.get('name') or label}已注销或死亡，不能再录入变更。")
    return person


def _after_birth(person: Record, date: dt.date, label: str) -> None:
    born = as_date(person.get("birth_date"), "出生日期", required=False)
    if born is not None and date < born:
        raise StoreError(f"{label} {date.isoformat()} 早于{person.get('name') or ''}的出生日期 {born.isoformat()}。")


def _woman(person: Record) -> Record:
    if person.get("sex") != "2":
        raise StoreError(f"{person.get('name') or '此人'}不是女性，不能录入生育、孕情或避孕措施。")
    return people.ensure_woman(person)  # type: ignore[arg-type,return-value]


def open_pregnancy(person: Record) -> Record | None:
    """The latest pregnancy of a woman without an outcome, or None."""
    for pregnancy in reversed((person.get("woman") or {}).get("pregnancies") or []):
        if not pregnancy.get("outcome") and pregnancy.get("outcome_date") is None:
            return pregnancy
    return None


def new_key(record: Record, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A person key for a new member (:func:`store.domain.keys.new_key`): not used in the record nor in `taken`."""
    return keys.new_key(record["household"]["code"], (p["key"] for p in record["members"]), taken)


def _new_member(record: Record, fields: Fields, *, today: dt.date | None) -> Record:
    """A new member from the common person fields (name, sex, birth date, ID, relation …); the rest from the
    householder (:func:`store.domain.people.new_member`)."""
    name = _text(fields, "name")
    if not name:
        raise StoreError("请填写姓名。")
    sex = _code(fields, "sex", "sex", "性别")
    born = as_date(fields.get("birth_date"), "出生日期")
    assert born is not None
    _not_future(born, "出生日期", today)
    relation = _code(fields, "relation", "relation", "与户主关系")
    status = _code(fields, "marital_status", "marital_status", "婚姻状况", default="10")
    first = as_date(fields.get("first_marriage_date"), "初婚日期", required=False)
    change = as_date(fields.get("marriage_change_date"), "婚姻变动日期", required=False)
    problem = marital.marital_problem(status, first, change, born)
    if problem:
        raise StoreError(problem)
    inherited = {item: fields.get(item) for item in people.INHERITED}
    person = people.new_member(record, fields.get("key") or new_key(record), name=name, sex=sex, birth_date=born,
                               id_number=_text(fields, "id_number"), relation=relation, marital_status=status,
                               first_marriage_date=first, marriage_change_date=change, **inherited)  # fmt: skip
    person["residence_status"], person["mgmt"] = "1", "01"
    return person  # type: ignore[return-value]


# --- suggestions ---------------------------------------------------------------------------------


def child_surname(record: Record, mother_key: str) -> str:
    """The suggested surname of the mother's new child (:func:`store.domain.surnames.child_surname`)."""
    find_member(record, mother_key)
    return surnames.child_surname(record, mother_key)  # type: ignore[arg-type]


def child_relation(record: Record, mother_key: str, sex: str | None) -> str:
    """The new child's relation to the householder, from the mother's (:func:`store.domain.families.child_relation`)."""
    return families.child_relation(find_member(record, mother_key).get("relation"), sex)


# --- the changes ---------------------------------------------------------------------------------


def birth(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A child born to `mother`: a new member, an entry in her childbirth history and the outcome of her
    open pregnancy. Fields: mother, name, sex, birth_date, id_number?, order?, policy, blood?, relation?, key?"""
    out = copy.deepcopy(record)
    mother = _active(out, fields.get("mother") or fields.get("person"), "母亲")
    woman = _woman(mother)
    sex = _code(fields, "sex", "sex", "性别")
    child_fields = dict(fields)
    child_fields.setdefault("relation", child_relation(out, mother["key"], sex))
    child_fields["relation"] = child_fields["relation"] or child_relation(out, mother["key"], sex)
    child_fields["ethnicity"] = fields.get("ethnicity") or mother.get("ethnicity")
    child_fields["registered_place_code"] = fields.get("registered_place_code") or mother.get("registered_place_code")
    child = _new_member(out, child_fields, today=today)
    born = child["birth_date"]
    _after_birth(mother, born, "出生日期")
    order = fields.get("order") or next_child_order(mother)
    try:
        order = int(order)
    except (TypeError, ValueError):
        raise StoreError(f"孩次应为数字：{order}") from None
    if not 1 <= order <= 20:
        raise StoreError(f"孩次 {order} 不合理，请核对。")
    policy = _code(fields, "policy", "child_policy", "政策属性")
    blood = _code(fields, "blood", "child_blood", "血缘关系", default="1")
    child["mother"] = mother["key"]
    by_key = {p["key"]: p for p in out["members"]}
    father = by_key.get(mother.get("spouse") or "")
    if father is not None and father.get("sex") == "1":
        child["father"] = father["key"]
    woman["children"].append({"order": order, "name": child["name"], "sex": sex, "birth_date": born,
                              "policy": policy, "blood": blood, "alive": True, "disabled_grade": None,
                              "member": child["key"]})  # fmt: skip
    pregnancy = open_pregnancy(mother)
    if pregnancy is not None and blood == "1":
        lmp = as_date(pregnancy.get("lmp"), "末次月经", required=False)
        if lmp is None or lmp <= born:
            pregnancy["outcome"], pregnancy["outcome_date"] = "1", born
    out["members"].append(child)
    return out


def death(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A death: death date and cancellation 01 人口死亡登记. Fields: person, date."""
    out = copy.deepcopy(record)
    person = _active(out, fields.get("person"))
    date = as_date(fields.get("date"), "死亡日期")
    assert date is not None
    _not_future(date, "死亡日期", today)
    _after_birth(person, date, "死亡日期")
    person["death_date"] = date
    person["cancel"] = {"reason": "01", "date": date}
    _widow_partner(out, person, date)
    if person.get("relation") == HOUSEHOLDER and families.active_members(out):
        new_head = fields.get("new_head")
        candidates = {p["key"] for p in families.head_candidates(out, person["key"])}
        if not new_head:
            raise StoreError("户主死亡，请选定新户主（新户主一项）。")
        if new_head not in candidates:
            raise StoreError(f"新户主 {new_head} 不是这一户在册的人员。")
        families.set_householder(out, str(new_head))  # type: ignore[arg-type]
    return out


def _widow_partner(record: Record, person: Record, date: dt.date) -> None:
    """A death ends the marriage: the linked spouse in this household becomes 30 丧偶 on that date."""
    partner = families.member(record, person.get("spouse"))  # type: ignore[arg-type]
    if partner is None or partner.get("spouse") != person["key"]:
        return
    families.unlink_spouse(record, person)  # type: ignore[arg-type]
    if partner.get("cancel") is None and (partner.get("marital_status") or "").startswith("2"):
        partner["marital_status"], partner["marriage_change_date"] = "30", date


def move_out(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A move out of the area: cancellation 02 迁出, 03 移交外省 or 06 出国(境). Fields: person, date, reason?"""
    out = copy.deepcopy(record)
    person = _active(out, fields.get("person"))
    reason = _code(fields, "reason", "cancel_reason", "迁出原因", default="02", allowed=MOVE_OUT_REASONS)
    date = as_date(fields.get("date"), "迁出日期")
    assert date is not None
    _not_future(date, "迁出日期", today)
    _after_birth(person, date, "迁出日期")
    to_code, to_place = _text(fields, "to_code"), _text(fields, "to_place")
    if to_code is not None and not (to_code.isdigit() and len(to_code) == 6):
        raise StoreError(f"迁往地代码应为 6 位县级区划代码：{to_code}")
    if to_code is None and to_place is None and reason != "06":
        raise StoreError("请填写迁往地（区划代码或地名）。")
    to_place = to_place or (region_name(to_code) if to_code else None)
    person["cancel"] = {"reason": reason, "date": date, "to_code": to_code, "to_place": to_place}
    return out


def move_in(record: Record, fields: Fields, *, today: dt.date | None = None,
            incoming: Record | None = None) -> Record:  # fmt: skip
    """A registered in-migrant: a new member, or `incoming` (a stored person of another household, with its
    version) joining this one. Fields: date, from_code (6 digits), reason?, and for a new member name, sex,
    birth_date, id_number?, relation, marital_status?"""
    out = copy.deepcopy(record)
    date = as_date(fields.get("date"), "迁入日期")
    assert date is not None
    _not_future(date, "迁入日期", today)
    from_code = _text(fields, "from_code")
    if from_code is not None and not (from_code.isdigit() and len(from_code) == 6):
        raise StoreError(f"迁出地代码应为 6 位县级区划代码：{from_code}")
    if incoming is not None:
        person = copy.deepcopy(incoming)
        if person.get("cancel") is not None:
            raise StoreError(f"{person.get('name') or '此人'}已注销，不能迁入。")
        person["relation"] = _code(fields, "relation", "relation", "与户主关系", default=person.get("relation"))
        from_code = from_code or person.get("_from_household", "")[:6] or None
    else:
        person = _new_member(out, fields, today=today)
    _after_birth(person, date, "迁入日期")
    person["moved_in"] = {"date": date, "from_code": from_code, "reason": _text(fields, "reason")}
    out["members"].append(person)
    _link_outside_spouse(out, person)
    return out


def _link_outside_spouse(record: Record, person: Record) -> None:
    """A member whose outside spouse (配偶不在本户) has the ID number of `person`, who moves in: linked both
    ways; a newcomer keyed 未婚 is 21 初婚 on the day of this marriage (the partner's 再婚/复婚 date, else the
    partner's 初婚日期): the clerk corrects it in the person form when the newcomer was married before."""
    number = (person.get("id_number") or "").upper()
    if not number:
        return
    partner = families.outside_spouse_of(record, number)  # type: ignore[arg-type]
    if partner is None or partner is person:
        return
    families.link_spouse(record, partner, person["key"])  # type: ignore[arg-type]
    if (person.get("marital_status") or "10") in ("10", "90"):
        married = partner.get("marriage_change_date") if partner.get("marital_status") in ("22", "23") else None
        person["marital_status"], person["marriage_change_date"] = "21", None
        person["first_marriage_date"] = married or partner.get("first_marriage_date")


def marriage(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A marriage (初婚 21, 再婚 22, 复婚 23). Fields: person, date, status? (21 when no 初婚日期 is recorded,
    else 22), spouse? (a key: linked both ways when the spouse is in this household), spouse_name?,
    spouse_id_number?. A spouse of another household is linked by :func:`save_change`."""
    out = copy.deepcopy(record)
    person = _active(out, fields.get("person"))
    date = as_date(fields.get("date"), "结婚日期")
    assert date is not None
    _not_future(date, "结婚日期", today)
    _after_birth(person, date, "结婚日期")
    _marry(person, date, fields.get("status"), fields)
    spouse_key = fields.get("spouse")
    if spouse_key:
        if spouse_key == person["key"]:
            raise StoreError("配偶不能是本人。")
        partner = families.member(out, spouse_key)
        if partner is not None:
            if partner.get("cancel") is not None:
                raise StoreError(f"配偶{partner.get('name') or ''}已注销或死亡。")
            _after_birth(partner, date, "结婚日期")
            _marry(partner, date, fields.get("spouse_status"), {})
        families.link_spouse(out, person, spouse_key)  # type: ignore[arg-type]
    elif _text(fields, "spouse_name") or _text(fields, "spouse_id_number"):
        person["spouse"] = None
        person["spouse_external"] = {"name": _text(fields, "spouse_name"), "id_number": _text(fields, "spouse_id_number"),
                                     "registered_place_code": _text(fields, "spouse_place_code")}  # fmt: skip
        place = person["spouse_external"]["registered_place_code"]
        if place is not None and not (place.isdigit() and len(place) in (6, 9, 12)):
            raise StoreError(f"配偶户籍地代码应为 6、9 或 12 位数字：{place}")
    return out


def _marry(person: Record, date: dt.date, status: Any, fields: Fields) -> None:
    current = person.get("marital_status") or ""
    if current.startswith("2") and current != "20" and person.get("spouse") and not fields.get("force"):
        raise StoreError(f"{person.get('name') or '此人'}现为已婚，请先录入离婚或丧偶。")
    first = as_date(person.get("first_marriage_date"), "初婚日期", required=False)
    status = str(status or ("21" if first is None else "22"))
    if status not in ("21", "22", "23"):
        raise StoreError(f"结婚的婚姻状况应为 21 初婚、22 再婚或 23 复婚：{status}")
    if status == "21":
        if first is not None and first != date:
            raise StoreError(f"{person.get('name') or '此人'}已有初婚日期 {first.isoformat()}，应为再婚或复婚。")
        person["first_marriage_date"] = date
        person["marriage_change_date"] = None
    else:
        if first is None:
            raise StoreError(f"{person.get('name') or '此人'}没有初婚日期，再婚或复婚前请先补录初婚日期。")
        if date < first:
            raise StoreError(f"结婚日期 {date.isoformat()} 早于初婚日期 {first.isoformat()}。")
        person["marriage_change_date"] = date
    person["marital_status"] = status


def _end_marriage(record: Record, fields: Fields, status: str, label: str, today: dt.date | None) -> Record:
    out = copy.deepcopy(record)
    person = _active(out, fields.get("person"))
    if not (person.get("marital_status") or "").startswith("2"):
        raise StoreError(f"{person.get('name') or '此人'}现在不是已婚，不能录入{label}。")
    date = as_date(fields.get("date"), f"{label}日期")
    assert date is not None
    _not_future(date, f"{label}日期", today)
    first = as_date(person.get("first_marriage_date"), "初婚日期", required=False)
    if first is not None and date < first:
        raise StoreError(f"{label}日期 {date.isoformat()} 早于初婚日期 {first.isoformat()}。")
    _after_birth(person, date, f"{label}日期")
    person["marital_status"], person["marriage_change_date"] = status, date
    partner = families.unlink_spouse(out, person)  # type: ignore[arg-type]  # the marriage is over: no spouse
    if partner is not None and status == "40" and partner.get("cancel") is None:  # a widow's late spouse stays
        partner["marital_status"], partner["marriage_change_date"] = "40", date  # both are divorced
    return out


def divorce(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A divorce: status 40, change date, spouse link dropped (both ways in this household); the one who had
    married into the householder's family is 99 非亲属 now (:func:`store.domain.families.relation_after_divorce`).
    Fields: person, date."""
    partner_key = find_member(record, fields.get("person")).get("spouse")
    out = _end_marriage(record, fields, "40", "离婚", today)
    for key in (fields.get("person"), partner_key):
        member = families.member(out, key)  # type: ignore[arg-type]
        if member is not None and member.get("relation") != HOUSEHOLDER:
            member["relation"] = families.relation_after_divorce(member.get("relation"))
    return out


def widowed(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """Widowhood: status 30, change date, spouse link dropped (both ways in this household). Fields: person, date."""
    return _end_marriage(record, fields, "30", "丧偶", today)


def pregnancy(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A new pregnancy. Fields: person, lmp, edd? (default LMP + 280 days; may be in the future), reported?
    (the day it was reported, default today: the date of its 怀孕 change, `docs/spec/returns.md`)."""
    out = copy.deepcopy(record)
    person = _active(out, fields.get("person"))
    woman = _woman(person)
    if open_pregnancy(person) is not None:
        raise StoreError(f"{person.get('name') or '此人'}已有未录结局的孕情，请先录入妊娠结局。")
    lmp = as_date(fields.get("lmp") or fields.get("date"), "末次月经日期")
    assert lmp is not None
    _not_future(lmp, "末次月经日期", today)
    _after_birth(person, lmp, "末次月经日期")
    edd = as_date(fields.get("edd"), "预产期", required=False) or lmp + dt.timedelta(days=280)
    if edd <= lmp:
        raise StoreError(f"预产期 {edd.isoformat()} 应晚于末次月经 {lmp.isoformat()}。")
    reported = as_date(fields.get("reported"), "报告日期", required=False) or today or dt.date.today()
    _not_future(reported, "报告日期", today)
    if reported < lmp:
        raise StoreError(f"报告日期 {reported.isoformat()} 早于末次月经 {lmp.isoformat()}。")
    woman["pregnancies"].append({"lmp": lmp, "edd": edd, "outcome": None, "outcome_date": None,
                                 "reported": reported})  # fmt: skip
    return out


def outcome(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """The outcome of the woman's open pregnancy. Fields: person, outcome, date. (A live birth is better keyed
    as 1 出生, which records the child and this outcome together.)"""
    out = copy.deepcopy(record)
    person = _active(out, fields.get("person"))
    pregnancy_ = open_pregnancy(person)
    if pregnancy_ is None:
        raise StoreError(f"{person.get('name') or '此人'}没有未录结局的孕情，请先录入怀孕。")
    code = _code(fields, "outcome", "pregnancy_outcome", "妊娠结局")
    date = as_date(fields.get("date"), "结局日期")
    assert date is not None
    _not_future(date, "结局日期", today)
    lmp = as_date(pregnancy_.get("lmp"), "末次月经", required=False)
    if lmp is not None and date < lmp:
        raise StoreError(f"结局日期 {date.isoformat()} 早于末次月经 {lmp.isoformat()}。")
    pregnancy_["outcome"], pregnancy_["outcome_date"] = code, date
    return out


def contraception(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A new contraceptive method (the writer keeps the old one in the history). Fields: person, method,
    date, failure?"""
    out = copy.deepcopy(record)
    person = _active(out, fields.get("person"))
    woman = _woman(person)
    method = _code(fields, "method", "contraception_method", "避孕措施")
    date = as_date(fields.get("date"), "措施日期")
    assert date is not None
    _not_future(date, "措施日期", today)
    _after_birth(person, date, "措施日期")
    failure = fields.get("failure") or None
    if failure is not None and str(failure) not in TABLES["contraception_failure"]:
        raise StoreError(f"避孕失败类型代码无效：{failure}")
    old = woman.get("contraception") or {}
    if old.get("method") == method and as_date(old.get("since"), "措施日期", required=False) == date:
        raise StoreError("与现有措施相同，无需录入。")
    woman["contraception"] = {"method": method, "since": date, "failure": failure}
    return out


def _flow_block(fields: Fields, kind: str, date: dt.date, county: str) -> Record:
    place_code = _text(fields, "place_code")
    label = "户籍地" if kind == "inflow" else "流入地"
    if place_code is None or not (place_code.isdigit() and len(place_code) == 6):
        raise StoreError(f"请填写{label}的 6 位县级区划代码。")
    if place_code == county:  # FLW1: a move within the county is 人户分离, managed as 户籍人口
        raise StoreError(f"{label} {place_code} 在本县（区）内，不属于流动人口。县内人户分离按户籍人口管理。")
    return {"type": kind, "since": date, "place_code": place_code,
            "place": _text(fields, "place") or region_name(place_code), "reason": _text(fields, "reason")}  # fmt: skip


def inflow(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A person registered elsewhere comes to live here: a new member with 管理属性 02 流入. Fields: date,
    place_code (registration county), place?, reason?, name, sex, birth_date, id_number?, relation."""
    out = copy.deepcopy(record)
    date = as_date(fields.get("date"), "流入日期")
    assert date is not None
    _not_future(date, "流入日期", today)
    flow = _flow_block(fields, "inflow", date, record["household"]["code"][:6])
    person = _new_member(out, {**fields, "registered_place_code": flow["place_code"]}, today=today)
    _after_birth(person, date, "流入日期")
    person["mgmt"], person["flow"], person["residence_status"] = "02", flow, "1"
    person["rural"] = person["rural"] if person["rural"] is not None else True
    out["members"].append(person)
    return out


def outflow(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A registered person leaves to live elsewhere: 管理属性 03 流出, 人户状况 3. Fields: person, date,
    place_code (where to), place?, reason?"""
    out = copy.deepcopy(record)
    person = _active(out, fields.get("person"))
    if person.get("mgmt") == "03":
        raise StoreError(f"{person.get('name') or '此人'}已是流出人口。")
    if person.get("mgmt") == "02":  # 流出 is for 户籍 persons; an inflow person leaving is cancelled here
        raise StoreError("此人是流入人口，离开本地请按 X 注销。")
    date = as_date(fields.get("date"), "流出日期")
    assert date is not None
    _not_future(date, "流出日期", today)
    _after_birth(person, date, "流出日期")
    person["flow"] = _flow_block(fields, "outflow", date, out["household"]["code"][:6])
    person["mgmt"], person["residence_status"] = "03", "3"
    return out


def flow_return(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A 流出 person comes back (流出返回): 管理属性 01, 人户状况 1, the flow block cleared; the return date
    ends the outflow in the management history (`store.histories`). Fields: person, date."""
    out = copy.deepcopy(record)
    person = _active(out, fields.get("person"))
    if person.get("mgmt") != "03":
        raise StoreError(f"{person.get('name') or '此人'}不是流出人口，不能录入返回。")
    date = as_date(fields.get("date"), "返回日期")
    assert date is not None
    _not_future(date, "返回日期", today)
    since = as_date((person.get("flow") or {}).get("since"), "流出日期", required=False)
    if since is not None and date < since:
        raise StoreError(f"返回日期 {date.isoformat()} 早于流出日期 {since.isoformat()}。")
    person["mgmt"], person["residence_status"], person["flow"] = "01", "1", None
    person[histories.HINT] = (date, None)
    return out


def cancel(record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """A cancellation for another reason (04 重复人口, 05 错误信息, 99 其他). Fields: person, date, reason."""
    out = copy.deepcopy(record)
    person = _active(out, fields.get("person"))
    reason = fields.get("reason") or "99"
    if reason in ("01", *MOVE_OUT_REASONS):
        raise StoreError("死亡请按 2 录入，迁出请按 4 录入。")
    reason = _code(fields, "reason", "cancel_reason", "注销原因", default="99", allowed=OTHER_CANCEL_REASONS)
    date = as_date(fields.get("date"), "注销日期")
    assert date is not None
    _not_future(date, "注销日期", today)
    person["cancel"] = {"reason": reason, "date": date}
    return out


CHANGES: dict[str, Callable[..., Record]] = {
    "birth": birth, "death": death, "move_in": move_in, "move_out": move_out, "marriage": marriage,
    "divorce": divorce, "widowed": widowed, "pregnancy": pregnancy, "outcome": outcome,
    "contraception": contraception, "inflow": inflow, "outflow": outflow, "cancel": cancel,
    "flow_return": flow_return,
}  # fmt: skip


def apply_change(kind: str, record: Record, fields: Fields, *, today: dt.date | None = None) -> Record:
    """The household record with one change applied (a new dict; `record` is left as it was)."""
    change = CHANGES.get(kind)
    if change is None:
        raise StoreError(f"未知的变更类型：{kind}")
    return change(record, fields, today=today)


# --- saving --------------------------------------------------------------------------------------


@dataclass
class SavedChange:
    """What :func:`save_change` stored: the kind, the household record as stored now, the person the line
    is about (the new member for births and in-migrants) and the date of the change."""

    kind: str
    record: Record
    person_key: str
    person_name: str
    date: dt.date | None
    other_records: list[Record] = field(default_factory=list)

    @property
    def household_code(self) -> str:
        return self.record["household"]["code"]

    @property
    def codes(self) -> list[str]:
        """The codes of every household written."""
        return [self.household_code, *(r["household"]["code"] for r in self.other_records)]


#: the field holding a line's event date, where it is not ``date``
EVENT_FIELD: dict[str, str] = {"birth": "birth_date", "pregnancy": "reported"}


def change_date(kind: str, fields: Fields, today: dt.date | None = None) -> dt.date | None:
    """The event date of a change line: the birth date, the day a pregnancy was reported (default today;
    never its LMP), or the date."""
    if kind == "pregnancy":
        return as_date(fields.get("reported"), "报告日期", required=False) or today or dt.date.today()
    return as_date(fields.get(EVENT_FIELD.get(kind, "date")), "日期", required=False)


async def unused_key(record: Record) -> str:
    """A key for a new member of `record` (:func:`new_key`) that no stored person has."""
    taken: set[str] = set()
    while True:
        key = new_key(record, taken)
        if not await db.scalar("SELECT 1 FROM person WHERE key = ?", [key]):
            return key
        taken.add(key)


async def resolve_spouse(record: Record, fields: Fields) -> str | None:
    """The key of the spouse a marriage line names: an explicit key, else a stored person with the given ID
    number, else a member of the household with the given name; None when the spouse has no record here."""
    if fields.get("spouse"):
        return str(fields["spouse"])
    number = _text(fields, "spouse_id_number")
    if number:
        row = await db.fetch("SELECT key FROM person WHERE id_number = ? AND cancel_reason IS NULL", [number.upper()])
        if row:
            return str(row[0][0])
    name = _text(fields, "spouse_name")
    if name:
        found = [p["key"] for p in record["members"]
                 if p.get("name") == name and p["key"] != fields.get("person") and p.get("cancel") is None]  # fmt: skip
        if len(found) == 1:
            return found[0]
    return None


async def save_change(kind: str, household_code: str, fields: Fields, *, operator: str,
                      version: int | None = None, today: dt.date | None = None,
                      actor: Who = None) -> SavedChange:  # fmt: skip
    """Apply one change line to the stored household and save it (and, for a marriage, divorce or widowhood
    with a spouse in another household, that household too). `version`: the household version the clerk saw
    (a stale one raises :class:`store.errors.ConflictError` from the service). Every household written must
    lie in the `actor`'s units (`store.scope`; refused and logged before anything is read)."""
    from store.service import save_households

    await enforce_in_scope(actor, [household_code], "修改")

    record = (await load_households([household_code])).get(household_code)
    if record is None:
        raise StoreError(f"户编码 {household_code} 不存在。")
    if version is not None:
        record["_version"] = version
    fields = dict(fields)
    incoming = None
    if kind in NEW_MEMBER_KINDS and not fields.get("key"):
        if kind == "move_in" and fields.get("person"):
            incoming = await _load_person(str(fields["person"]), household_code)
        else:
            fields["key"] = await unused_key(record)
    if kind == "inflow":
        await _refuse_registered(fields)
    if kind == "marriage":
        fields["spouse"] = await resolve_spouse(record, fields)
    partner_code = None
    if kind in ("marriage", "divorce", "widowed", "death"):
        partner_key = (
            fields["spouse"] if kind == "marriage" else find_member(record, fields.get("person")).get("spouse")
        )
        if partner_key and not any(p["key"] == partner_key for p in record["members"]):
            partner_code = await db.scalar("SELECT household_id FROM person WHERE key = ?", [partner_key])
    if incoming is not None:
        changed = move_in(record, fields, today=today, incoming=incoming)
    else:
        changed = apply_change(kind, record, fields, today=today)
    partner_record = None
    if partner_code:
        partner_record = (await load_households([str(partner_code)]))[str(partner_code)]
        partner_record = _partner_side(kind, partner_record, fields, find_member(record, fields["person"]), today)
        if kind == "marriage" and fields.get("join"):
            _join_spouse(changed, partner_record, fields)
    elif kind == "marriage" and fields.get("join"):
        raise StoreError("配偶不在本库的其他户，无法迁入本户；请填写配偶身份证号查找，或不选迁入。")
    # both households of a marriage (or its end) are stored together or not at all; a spouse moving in is
    # written with this household first, then taken off the other
    if kind == "marriage" and fields.get("join") and partner_record is not None:
        date = as_date(fields.get("date"), "结婚日期")
        assert date is not None
        same = partner_record["household"]["code"][:12] == household_code[:12]  # within the village: no 迁入
        moved = [("transfer", date, str(fields["spouse"]), household_code)] if same else []
        stored, *others = await save_moving([changed], [partner_record], operator=operator, events_=moved, actor=actor)
    else:
        stored, *others = await save_households(
            [changed, *([partner_record] if partner_record is not None else [])], operator=operator, actor=actor
        )
    if kind in NEW_MEMBER_KINDS:
        key = incoming["key"] if incoming is not None else fields["key"]
    else:
        key = fields.get("person") or fields.get("mother")
    person = find_member(stored, key)
    return SavedChange(kind, stored, person["key"], person.get("name") or "", change_date(kind, fields, today), others)


def _join_spouse(record: Record, partner_record: Record, fields: Fields) -> None:
    """A marriage with 配偶迁入本户: the spouse leaves the other household (closed when left empty; a
    householder with others staying is refused) and joins `record` as 迁入 on the marriage date, related to
    the householder through the person married (:func:`store.domain.families.relation_of_incoming_spouse`)."""
    from store.domain import households as moves

    date = as_date(fields.get("date"), "结婚日期")
    assert date is not None
    key = str(fields["spouse"])
    try:
        partner = moves.take_out(partner_record, key)  # type: ignore[arg-type]
    except moves.MoveError as exc:
        raise StoreError(f"配偶是其户的户主，请先在其户中更换户主再迁入。（{exc}）") from None
    moves.close_if_empty(partner_record, date)  # type: ignore[arg-type]
    person = find_member(record, fields["person"])
    partner["relation"] = families.relation_of_incoming_spouse(record, person, partner.get("sex"))  # type: ignore[arg-type]
    partner[histories.HINT] = (date, "transfer")
    if not moves.same_village(partner_record["household"]["code"], record["household"]["code"]):
        partner["moved_in"] = {"date": date, "from_code": partner_record["household"]["code"][:6], "reason": "婚迁"}
    record["members"].append(partner)
    families.link_spouse(record, person, key)  # type: ignore[arg-type]


def _partner_side(kind: str, record: Record, fields: Fields, person: Record, today: dt.date | None) -> Record:
    """The spouse's household record with the spouse's side of a marriage or its end."""
    partner_key = fields["spouse"] if kind == "marriage" else person.get("spouse")
    if kind == "marriage":
        out = copy.deepcopy(record)
        partner = _active(out, partner_key, "配偶")
        date = as_date(fields.get("date"), "结婚日期")
        assert date is not None
        _marry(partner, date, fields.get("spouse_status"), {})
        families.link_spouse(out, partner, person["key"])  # type: ignore[arg-type]
        return out
    out = copy.deepcopy(record)
    partner = find_member(out, partner_key)
    if kind == "death" and partner.get("spouse") == person["key"]:
        families.unlink_spouse(out, partner)  # type: ignore[arg-type]
        if partner.get("cancel") is None and (partner.get("marital_status") or "").startswith("2"):
            partner["marital_status"] = "30"
            partner["marriage_change_date"] = as_date(fields.get("date"), "死亡日期")
    elif partner.get("spouse") == person["key"]:
        families.unlink_spouse(out, partner)  # type: ignore[arg-type]
        if kind == "divorce" and partner.get("cancel") is None:
            partner["marital_status"] = "40"
            partner["marriage_change_date"] = as_date(fields.get("date"), "离婚日期")
    return out


async def _refuse_registered(fields: Fields) -> None:
    """StoreError when an inflow line's ID number is already an active person here: a 户籍 person (mgmt 01 or
    03) is not 流入 (人户分离 within the area is managed as 户籍人口), and a 流入 person is already recorded."""
    number = _text(fields, "id_number")
    if not number:
        return
    rows = await db.fetch("SELECT name, household_id, mgmt FROM person WHERE id_number = ? AND cancel_reason IS NULL "
                          "AND death_date IS NULL", [number.upper()])  # fmt: skip
    for name, code, mgmt in (tuple(r) for r in rows):
        if mgmt == "02":
            raise StoreError(f"身份证号 {number} 已是流入人口 {name}（户编码 {code}），不要重复录入。")
        raise StoreError(f"身份证号 {number} 是本地户籍人口 {name}（户编码 {code}），不能按流入录入。")


async def _load_person(key: str, target_code: str) -> Record:
    """A stored person (with its version) for a move into `target_code`."""
    code = await db.scalar("SELECT household_id FROM person WHERE key = ?", [key])
    if code is None:
        raise StoreError(f"人员编号 {key} 不存在。")
    if code == target_code:
        raise StoreError("此人已在这一户，不需要迁入。")
    person = find_member((await load_households([str(code)]))[str(code)], key)
    person["_from_household"] = str(code)
    return person


async def save_moving(first: list[Record], then: list[Record], *, operator: str,
                      events_: list[tuple[str, dt.date, str, str]] = (),  # type: ignore[assignment]
                      actor: Who = None) -> list[Record]:  # fmt: skip
    """Save households between which persons move, in one transaction: `first` (where they arrive), then
    `then` (where they left; their versions are checked before anything is written, then taken from the first
    write, which moved the persons out of them), then the change events no record fact shows."""
    from store.service import save_households

    async with in_transaction() as client:
        for record in then:
            code = record["household"]["code"]
            version = await db.scalar("SELECT version FROM household WHERE code = ?", [code], client)
            if version is not None and record.get("_version") != version:
                raise ConflictError(f"户 {code} 刚被其他人修改，没有保存。请重新打开后再办理。")
        stored = await save_households(first, operator=operator, actor=actor)
        for record in then:
            code = record["household"]["code"]
            record["_version"] = await db.scalar("SELECT version FROM household WHERE code = ?", [code], client)
        stored += await save_households(then, operator=operator, actor=actor) if then else []
        for kind, date, key, code in events_:
            await events.record_event(kind, date, key, code, operator, client)
            await histories.link_move(kind, key, client)
    return stored


async def unit_name(code: str) -> str:
    """The name of a unit (empty when the code is empty or unknown)."""
    if not code:
        return ""
    return str(await db.scalar("SELECT name FROM unit WHERE code = ?", [code]) or "")
