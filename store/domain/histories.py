"""Histories of a person (历史数据): contraception, marriage, management attribute and flow, residence.

Each history is a list of entries, one per state the person was in, each with a start and an end date
(``until``, exclusive; None while it is in force) and how it began and ended. Pure rules, no I/O:

* :func:`opening` — the entry describing a person record's current state of one kind (the first entry of a
  person who has none yet: an upgraded database, an imported record);
* :func:`step` — what writing a new version of a person record does to a history: nothing, a correction of
  the open entry, or closing it (on the day the next one starts, saying how it ended) and opening the next;
* :func:`in_force` — the entry in force on a day;
* :func:`overlay` — a person record with the contraception, marriage and flow state in force on a day (what
  the audit reads at its audit date).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ENDED_LABELS",
    "KINDS",
    "Entry",
    "Step",
    "ended_label",
    "in_force",
    "opening",
    "overlay",
    "removal",
    "step",
]

#: the four histories, in the order a timeline lists them
KINDS = ("contraception", "marriage", "mgmt", "residence")
#: IUD (宫内节育器): its end is a removal (取环)
IUD = "03"
MARRIED = ("20", "21", "22", "23")
FLOW_MGMT = ("02", "03")

#: how an entry began or ended (internal codes) → Chinese
ENDED_LABELS: dict[str, str] = {
    "opening": "原有记录",
    "birth": "出生",
    "move_in": "迁入",
    "replaced": "更换措施",
    "removed": "取环",
    "reversed": "撤销",
    "failure": "避孕失败",
    "marry": "结婚",
    "divorce": "离婚",
    "widowed": "丧偶",
    "changed": "变更",
    "outflow": "流出",
    "inflow": "流入",
    "return": "返回",
    "transfer": "户间迁移",
    "split": "分户",
    "merge": "并户",
    "death": "死亡",
    "move_out": "迁出",
    "cancel": "注销",
}

#: a move out of the area (注销原因 02 迁出, 03 移交外省, 06 出国(境))
MOVE_OUT_REASONS = ("02", "03", "06")


def ended_label(code: str | None) -> str:
    """The Chinese word for how an entry began or ended ('' when unknown)."""
    return ENDED_LABELS.get(code or "", "")


@dataclass
class Entry:
    """One history entry: its kind, the period [start, until) and the state (`value`, column → value)."""

    kind: str
    start: dt.date | None
    value: dict[str, Any]
    until: dt.date | None = None
    began: str | None = None
    ended: str | None = None
    event_id: int | None = None
    id: int | None = None


@dataclass
class Step:
    """What a write does to one history: `update` (column → value) on the open entry, and/or close it on
    `close_on` (how: `ended`) and open `opened`; `reopen` (day, how): no entry is open, the one ended then so
    is in force again (a reversed death or cancellation)."""

    update: dict[str, Any] = field(default_factory=dict)
    close_on: dt.date | None = None
    ended: str | None = None
    opened: Entry | None = None
    reopen: tuple[dt.date, str] | None = None


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# --- the state of a record, per kind ------------------------------------------------------------------


def _contraception(person: Mapping[str, Any]) -> dict[str, Any] | None:
    block = (person.get("woman") or {}).get("contraception")
    if not block or not block.get("method"):
        return None
    return {"method": block.get("method"), "since": _date(block.get("since")), "failure": block.get("failure")}


def _marriage_start(person: Mapping[str, Any]) -> dt.date | None:
    status = person.get("marital_status") or ""
    if status == "21" or (status in ("20", "22", "23") and person.get("marriage_change_date") is None):
        return _date(person.get("first_marriage_date"))
    if status in ("22", "23", "30", "40"):
        return _date(person.get("marriage_change_date"))
    return None


def _marriage(person: Mapping[str, Any]) -> dict[str, Any] | None:
    status = person.get("marital_status")
    if not status:
        return None
    outside = person.get("spouse_external") or {}
    return {"status": status, "spouse": person.get("spouse"), "spouse_name": outside.get("name"),
            "spouse_id_number": outside.get("id_number")}  # fmt: skip


def _mgmt(person: Mapping[str, Any]) -> dict[str, Any] | None:
    mgmt = person.get("mgmt")
    if not mgmt:
        return None
    flow = person.get("flow") or {}
    return {"mgmt": mgmt, "flow_type": flow.get("type"), "place_code": flow.get("place_code"),
            "place": flow.get("place"), "reason": flow.get("reason")}  # fmt: skip


def _entry_day(person: Mapping[str, Any]) -> dt.date | None:
    moved = person.get("moved_in") or {}
    return _date(moved.get("date")) or _date(person.get("birth_date"))


def _exit(person: Mapping[str, Any]) -> tuple[dt.date, str] | None:
    """The day a person left the population and how (death, move out, other cancellation), or None."""
    death = _date(person.get("death_date"))
    if death is not None:
        return death, "death"
    cancel = person.get("cancel")
    if cancel is None:
        return None
    reason = cancel.get("reason")
    how = "death" if reason == "01" else "move_out" if reason in MOVE_OUT_REASONS else "cancel"
    return _date(cancel.get("date")) or dt.date.min, how


def opening(kind: str, person: Mapping[str, Any], household: str) -> Entry | None:
    """The entry describing the current state of `kind` of a person record (None: no such state), closed on
    the person's exit for every kind but marriage."""
    if kind == "contraception":
        value = _contraception(person)
        entry = None if value is None else Entry(kind, value.pop("since"), value, began="opening")
    elif kind == "marriage":
        value = _marriage(person)
        entry = None if value is None else Entry(kind, _marriage_start(person), value, began="opening")
    elif kind == "mgmt":
        value = _mgmt(person)
        if value is None:
            return None
        start = _date((person.get("flow") or {}).get("since")) if value["mgmt"] in FLOW_MGMT else None
        entry = Entry(kind, start or _entry_day(person), value, began="opening")
    elif kind == "residence":
        moved = person.get("moved_in")
        began = "move_in" if moved else "birth"
        entry = Entry(kind, _entry_day(person), {"household_code": household}, began=began)
    else:
        raise KeyError(kind)
    if entry is not None and kind != "marriage":
        gone = _exit(person)
        if gone is not None:
            entry.until, entry.ended = gone
    return entry


def removal(old_method: str | None, new_method: str | None) -> bool:
    """Whether replacing `old_method` by `new_method` removes an IUD (取环)."""
    return old_method == IUD and new_method != IUD


# --- what a write does to a history --------------------------------------------------------------------


def _marriage_ended(status: str) -> str:
    return {"30": "widowed", "40": "divorce"}.get(status, "marry" if status in MARRIED else "changed")


def step(kind: str, old: Mapping[str, Any], new: Mapping[str, Any], old_household: str, household: str,
         day: dt.date, how: str | None = None) -> Step | None:  # fmt: skip
    """What writing `new` over `old` (both person records) does to the history `kind`; None when nothing.
    `day`: the date of the change when the record holds none (a flow return, a move within a village: the
    day given, else the day it is keyed); `how`: the household workflow that moved the person."""
    gone_before, gone_after = _exit(old), _exit(new)
    if how == REVERSED:
        if gone_before is not None and gone_after is None and kind != "marriage":
            return Step(reopen=gone_before)  # a wrong death or cancellation: the person was never gone
        return _reversed(step(kind, old, new, old_household, household, day))
    if gone_after is not None and gone_before is None and kind != "marriage":
        return Step(close_on=gone_after[0], ended=gone_after[1])
    if kind == "contraception":
        return _step_contraception(old, new, day)
    if kind == "marriage":
        return _step_marriage(old, new, day)
    if kind == "mgmt":
        return _step_mgmt(old, new, day)
    return _step_residence(new, old_household, household, day, how)


#: the `how` of a write that restores the state before a reversed change event (`store.reversal`)
REVERSED = "reversed"


def _reversed(normal: Step | None) -> Step | None:
    """A reversal's step: the entry the wrong event opened ends as 撤销 (never a 取环, a return or a move
    counted in the returns) and the restored state is opened again as 撤销 restored it."""
    if normal is None:
        return None
    opened = normal.opened
    if opened is not None:
        opened = copy.copy(opened)
        opened.began = REVERSED
    ended = REVERSED if normal.close_on is not None else normal.ended
    return Step(update=normal.update, close_on=normal.close_on, ended=ended, opened=opened)


def _step_contraception(old: Mapping[str, Any], new: Mapping[str, Any], day: dt.date) -> Step | None:
    before, after = _contraception(old), _contraception(new)
    if before == after:
        return None
    if after is None:  # the method taken off the record: ended on the day
        return Step(close_on=day, ended="removed" if removal(before and before["method"], None) else "replaced")
    if before is not None and before["method"] == after["method"]:
        later = after["since"] is not None and (before["since"] is None or after["since"] > before["since"])
        if not later:  # the same method keyed with another date or failure: a correction
            return Step(update={"since": after["since"], "failure": after["failure"]})
    start = after.pop("since")
    previous = before["method"] if before is not None else None
    how = "failure" if after.get("failure") else "removed" if removal(previous, after["method"]) else "replaced"
    return Step(close_on=start, ended=how, opened=Entry("contraception", start, after, began="replaced"))


def _step_marriage(old: Mapping[str, Any], new: Mapping[str, Any], day: dt.date) -> Step | None:
    before, after = _marriage(old), _marriage(new)
    if after is None or (before == after and _marriage_start(old) == _marriage_start(new)):
        return None
    start = _marriage_start(new)
    if before is not None and before["status"] == after["status"]:
        return Step(update={"start": start, **after})  # spouse linked, a date corrected: the same entry
    status = after["status"]
    if status in ("30", "40") and not after["spouse"] and before is not None:
        after = {**after, "spouse": before["spouse"], "spouse_name": before["spouse_name"],
                 "spouse_id_number": before["spouse_id_number"]}  # fmt: skip  # the late or former spouse
    how = _marriage_ended(status)
    return Step(close_on=start or day, ended=how, opened=Entry("marriage", start or day, after, began=how))


def _step_mgmt(old: Mapping[str, Any], new: Mapping[str, Any], day: dt.date) -> Step | None:
    before, after = _mgmt(old), _mgmt(new)
    if after is None or before == after:
        return None
    key = ("mgmt", "flow_type", "place_code")
    since = _date((new.get("flow") or {}).get("since"))
    if before is not None and all(before[k] == after[k] for k in key):
        return Step(update=after)  # the place's name or the reason corrected
    if after["mgmt"] in FLOW_MGMT:
        how, start = ("outflow" if after["mgmt"] == "03" else "inflow"), since or day
    else:
        how, start = ("return" if before is not None and before["mgmt"] in FLOW_MGMT else "changed"), day
    return Step(close_on=start, ended=how, opened=Entry("mgmt", start, after, began=how))


def _step_residence(new: Mapping[str, Any], old_household: str, household: str, day: dt.date,
                    how: str | None) -> Step | None:  # fmt: skip
    if old_household == household:
        return None
    moved = new.get("moved_in") or {}
    start = day if how else _date(moved.get("date")) or day
    how = how or "transfer"
    return Step(close_on=start, ended=how, opened=Entry("residence", start, {"household_code": household}, began=how))


# --- reading ------------------------------------------------------------------------------------------


def in_force(entries: Sequence[Entry], day: dt.date) -> Entry | None:
    """The entry in force on `day`: started on or before it (or with no start) and not ended by then; of
    several, the one that started last."""
    found: Entry | None = None
    for entry in entries:
        if entry.start is not None and entry.start > day:
            continue
        if entry.until is not None and entry.until <= day:
            continue
        if found is None or (entry.start or dt.date.min) >= (found.start or dt.date.min):
            found = entry
    return found


def _state_before(entries: Sequence[Entry], day: dt.date) -> Entry | None:
    """For a marriage history with no entry in force on `day`: a first marriage still to come means the
    person was unmarried then."""
    later = sorted((e for e in entries if e.start is not None and e.start > day), key=lambda e: e.start)  # type: ignore[arg-type,return-value]
    if later and later[0].value.get("status") == "21":
        return Entry("marriage", None, {"status": "10", "spouse": None})
    return None


def overlay(person: dict[str, Any], histories: Mapping[str, Sequence[Entry]], day: dt.date) -> dict[str, Any]:
    """A copy of the person record with the contraception, marriage and flow state in force on `day` (a kind
    without an entry in force keeps the record's state)."""
    out = copy.deepcopy(person)
    methods = histories.get("contraception", ())
    contraception = in_force(methods, day)
    if methods and out.get("woman") is not None:  # no method in force then: none
        v = contraception.value if contraception is not None else {}
        out["woman"]["contraception"] = None if contraception is None else {
            "method": v.get("method"), "since": contraception.start, "failure": v.get("failure")}  # fmt: skip
    marriage = in_force(histories.get("marriage", ()), day) or _state_before(histories.get("marriage", ()), day)
    if marriage is not None:
        status = marriage.value.get("status")
        out["marital_status"] = status
        if status == "10":
            out["first_marriage_date"], out["marriage_change_date"] = None, None
        elif status == "21":
            out["first_marriage_date"], out["marriage_change_date"] = marriage.start, None
        elif status in ("22", "23", "30", "40"):
            out["marriage_change_date"] = marriage.start
        if status not in MARRIED:
            out["spouse"], out["spouse_external"] = None, None
    mgmt = in_force(histories.get("mgmt", ()), day)
    if mgmt is not None:
        v = mgmt.value
        out["mgmt"] = v.get("mgmt")
        if v.get("mgmt") in FLOW_MGMT:
            out["flow"] = {"type": v.get("flow_type"), "since": mgmt.start, "place_code": v.get("place_code"),
                           "place": v.get("place"), "reason": v.get("reason")}  # fmt: skip
            if v.get("mgmt") == "03":
                out["residence_status"] = "3"
        else:
            out["flow"] = None
    return out
