"""Household workflows of the household form: move a member to another household, remove one (with a
reason), change the householder, split (分户) and merge (并户).

Each is one write through :func:`store.service.save_households` (all households together or none), so the
version check, the change events derived from the records and the audit log apply. The moves keep a
person's record (key, history): within a village the person is not 迁入 again (the village's figures stay as
reported) and the move is recorded as a change event of its own (户间迁移, 分户, 并户); a move to another
village is a 迁入 there (``moved_in``). The rules are those of :mod:`store.domain.households` and
:mod:`store.domain.families`; wrong input raises :class:`store.errors.StoreError` in Chinese.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from store import browse, changes, histories
from store.codes import HOUSEHOLDER, TABLES
from store.domain import families
from store.domain import households as moves
from store.domain.people import new_household
from store.errors import StoreError
from store.records import load_households

Record = dict[str, Any]

__all__ = [
    "HouseholdOp",
    "change_householder",
    "merge_households",
    "move_member",
    "remove_member",
    "split_household",
]

#: reasons a member may be removed with from the household form: 迁出, 移交外省, 出国(境), 重复, 错误, 其他
REMOVE_KINDS = {"02": "move_out", "03": "move_out", "06": "move_out", "04": "cancel", "05": "cancel",
                "99": "cancel"}  # fmt: skip


@dataclass
class HouseholdOp:
    """What a household workflow stored: the records as stored now (the form's household first)."""

    records: list[Record]
    message: str
    moved: list[str] = field(default_factory=list)

    @property
    def record(self) -> Record:
        return self.records[0]

    @property
    def codes(self) -> list[str]:
        return [r["household"]["code"] for r in self.records]


async def _load(code: str, version: int | None = None) -> Record:
    record = (await load_households([code])).get(code)
    if record is None:
        raise StoreError(f"户编码 {code} 不存在。")
    if version is not None:
        record["_version"] = version
    return record


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _date(value: Any, today: dt.date | None) -> dt.date:
    date = changes.as_date(value, "日期", required=False) or _today(today)
    if date > _today(today):
        raise StoreError(f"日期 {date.isoformat()} 晚于今天，请核对。")
    return date


def _arrive(person: Record, source: str, target: str, date: dt.date, reason: str) -> bool:
    """Mark a person arriving from another village as 迁入 on `date` (True); within a village nothing."""
    if moves.same_village(source, target):
        return False
    person["moved_in"] = {"date": date, "from_code": source[:6], "reason": reason}
    return True


async def _save(records: list[Record], operator: str, extra: list[tuple[str, dt.date, str, str]]) -> list[Record]:
    """Save the records (the first one where persons arrive, the others where they left) and the change
    events the record diff cannot show (moves within a village), together (:func:`store.changes.save_moving`)."""
    return await changes.save_moving(records[:1], records[1:], operator=operator, events_=extra)


async def move_member(from_code: str, key: str, to_code: str, *, operator: str, date: Any = None,
                      relation: str | None = None, new_head: str | None = None, version: int | None = None,
                      today: dt.date | None = None) -> HouseholdOp:  # fmt: skip
    """Move the member `key` of `from_code` into `to_code` (户间迁移). When the householder moves, `new_head`
    takes over; a household left empty is closed."""
    if from_code == to_code:
        raise StoreError("迁往的户就是本户。")
    day = _date(date, today)
    source, target = await _load(from_code, version), await _load(to_code)
    if target["household"].get("status") == "closed":
        raise StoreError(f"户 {to_code} 已销户，不能迁入。")
    try:
        person = moves.take_out(source, key, new_head)  # type: ignore[arg-type]
        moved_in = _arrive(person, from_code, to_code, day, "本乡镇户间迁移")
        moves.put_in(target, person, relation)  # type: ignore[arg-type]
    except moves.MoveError as exc:
        raise StoreError(str(exc)) from None
    moves.close_if_empty(source, day)  # type: ignore[arg-type]
    person[histories.HINT] = (day, "transfer")
    extra = [] if moved_in else [("transfer", day, key, to_code)]
    arrived, left = await _save([target, source], operator, extra)
    return HouseholdOp([left, arrived], f"已将{person.get('name') or key}迁入户 {to_code}。", [key])


async def remove_member(code: str, key: str, *, reason: str, operator: str, date: Any = None,
                        to_code: str | None = None, to_place: str | None = None, new_head: str | None = None,
                        version: int | None = None, today: dt.date | None = None) -> HouseholdOp:  # fmt: skip
    """Remove a member from the household with a reason (02 迁出, 03 移交外省, 06 出国(境) with the
    destination; 04 重复, 05 错误, 99 其他): the person is cancelled, as the change line would do. When the
    householder goes, `new_head` takes over; a household left empty is closed."""
    kind = REMOVE_KINDS.get(reason or "")
    if kind is None:
        raise StoreError(
            "请选择注销原因：02 迁出、03 移交外省、06 出国(境)、04 重复、05 错误或 99 其他。死亡请按死亡录入。"
        )
    day = _date(date, today)
    record = await _load(code, version)
    fields = {"person": key, "date": day, "reason": reason, "to_code": to_code, "to_place": to_place}
    changed = changes.apply_change(kind, record, fields, today=today)
    person = changes.find_member(changed, key)
    if person.get("relation") == HOUSEHOLDER and families.active_members(changed):
        if not new_head or families.member(changed, new_head) not in families.active_members(changed):
            raise StoreError(f"{person.get('name') or key}是户主，请选定新户主。")
        families.set_householder(changed, new_head)  # type: ignore[arg-type]
    moves.close_if_empty(changed, day)  # type: ignore[arg-type]
    stored = await _save([changed], operator, [])
    label = TABLES["cancel_reason"].label(reason)
    return HouseholdOp(stored, f"已注销{person.get('name') or key}（{label}）。", [key])


async def change_householder(code: str, key: str, *, operator: str, version: int | None = None,
                             today: dt.date | None = None) -> HouseholdOp:  # fmt: skip
    """Make `key` the householder; every member's relation is derived anew (the former householder stays a
    member), recorded as a change event 变更户主."""
    record = await _load(code, version)
    person = families.member(record, key)
    if person is None or person not in families.active_members(record):
        raise StoreError(f"这一户没有在册人员 {key}。")
    if person.get("relation") == HOUSEHOLDER:
        raise StoreError(f"{person.get('name') or key}已是户主。")
    changed = copy.deepcopy(record)
    families.set_householder(changed, key)
    stored = await _save([changed], operator, [("householder", _today(today), key, code)])
    return HouseholdOp(stored, f"户主已改为{person.get('name') or key}，各成员与户主关系已重新推算。", [key])


async def split_household(code: str, keys: list[str], head: str, *, operator: str, date: Any = None,
                          new_head: str | None = None, number: str | None = None, version: int | None = None,
                          today: dt.date | None = None) -> HouseholdOp:  # fmt: skip
    """分户: the members `keys` leave `code` for a new household of the same group (next free number, or
    `number`), with `head` as its householder; the new household is first in the result."""
    if head not in keys:
        raise StoreError("新户的户主应是分出的人员之一。")
    day = _date(date, today)
    source = await _load(code, version)
    group = code[:14]
    if number is None:
        taken = [n.code for n in await browse.group_households(group)]
        highest = max((int(c[14:]) for c in taken if c[14:].isdigit()), default=0)
        number = f"{highest + 1:04d}"
    household = source["household"]
    target: Record = dict(new_household(code[:12], code[12:14], number, address=household.get("address"),
                                        hukou_type=household.get("hukou_type") or "2"))  # fmt: skip
    target_code = target["household"]["code"]
    if (await load_households([target_code])).get(target_code) is not None:
        raise StoreError(f"户编码 {target_code} 已存在，请换一个户号。")
    try:
        taken_out = [moves.take_out(source, k, new_head) for k in keys]  # type: ignore[arg-type]
        ordered = sorted(taken_out, key=lambda p: p.get("key") != head)
        for person in ordered:
            person[histories.HINT] = (day, "split")
            moves.put_in(target, person)  # type: ignore[arg-type]
    except moves.MoveError as exc:
        raise StoreError(str(exc)) from None
    moves.close_if_empty(source, day)  # type: ignore[arg-type]
    stored = await _save([target, source], operator, [("split", day, k, target_code) for k in keys])
    return HouseholdOp(stored, f"已分户：新户 {target_code}，{len(keys)} 人。", list(keys))


async def merge_households(from_code: str, into_code: str, *, operator: str, date: Any = None,
                           version: int | None = None, today: dt.date | None = None) -> HouseholdOp:  # fmt: skip
    """并户: every active member of `from_code` joins `into_code` (relations to its householder from the
    links, else 97); `from_code` is closed on the day. The household merged into is first in the result."""
    if from_code == into_code:
        raise StoreError("不能与本户合并。")
    day = _date(date, today)
    source, target = await _load(from_code, version), await _load(into_code)
    if target["household"].get("status") == "closed":
        raise StoreError(f"户 {into_code} 已销户，不能并入。")
    people = families.active_members(source)  # type: ignore[arg-type]
    if not people:
        raise StoreError("本户没有在册人员可以并入。")
    moved = [str(p["key"]) for p in people]
    arrivals = 0
    for person in people:
        source["members"].remove(person)
        arrivals += _arrive(person, from_code, into_code, day, "并户")  # type: ignore[arg-type]
        person[histories.HINT] = (day, "merge")
        moves.put_in(target, person)  # type: ignore[arg-type]
    moves.close_if_empty(source, day)  # type: ignore[arg-type]
    extra = [] if arrivals else [("merge", day, k, into_code) for k in moved]
    stored = await _save([target, source], operator, extra)
    return HouseholdOp(stored, f"已并户：{len(moved)} 人并入户 {into_code}，原户已销户。", moved)
