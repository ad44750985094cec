"""What reversing a change event puts back when no field change recorded its items (撤销 without 修改记录).

An event imported from a household file, one of a database older than field changes (schema < 7), or the
first event of a person keyed in new has no ``field_change`` rows: :func:`derive` works out the items' values
before the event from the person record and the person's histories (`store.domain.histories`: the entry
before the one the event began gives the previous state), or from the event itself where its fact was all
the event added (a death date, a pregnancy, an outcome, a first marriage, a cancellation). What cannot be
derived is said in Chinese, with what the clerk should do, and left as it is — never guessed. Pure rules.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from store.domain.histories import FLOW_MGMT, MARRIED, Entry
from store.events import EVENT_LABELS, MOVE_OUT_REASONS, pregnancy_date

__all__ = ["Undo", "derive"]

#: the marital status an event of each marriage kind leaves (a first marriage: 已婚 or 初婚)
STATUS_AFTER: dict[str, tuple[str, ...]] = {
    "first_marriage": ("20", "21"),
    "remarriage": ("22",),
    "reunion": ("23",),
    "divorce": ("40",),
    "widowed": ("30",),
}
#: the clerk's way out when a value cannot be derived
BY_HAND = "请在人员表中手工改正。"
#: events of household workflows: the person is not moved back by a reversal
MOVES = ("transfer", "split", "merge")


@dataclass
class Undo:
    """What a reversal can put back: `values` (tracked item path → value before the event), `missing`
    (Chinese sentences: what stays as the event left it and what to do) and `conflict` (the event's fact is no
    longer in the record — changed again since — so nothing is reversed)."""

    values: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    conflict: str | None = None


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind)


def _changed(item: str) -> str:
    return f"此人的{item}在这次变动之后又改过，不能自动恢复，没有撤销。请先撤销后来的变动，或直接修改该项。"


#: the previous entry is "no state" (a contraception method keyed where none was in force)
_NONE = Entry("none", None, {})


def previous(entries: Sequence[Entry], event_id: int, day: dt.date | None) -> Entry | None:
    """The entry in force before the one change event `event_id` of `day` began: the entry that ended on the
    day that one started (else the latest earlier entry with no end recorded — a row written before entries
    had ends). :data:`_NONE` when entries ended before it and none was in force; None: not derivable (no
    earlier entry)."""
    own = next((e for e in reversed(entries) if e.event_id == event_id), None)
    if own is None:
        own = next((e for e in reversed(entries) if e.start == day and e.until is None), None)
    begins = own.start if own is not None else day
    limit = own.id if own is not None and own.id is not None else None
    before = [e for e in entries if e is not own and (limit is None or e.id is None or e.id < limit)
              and (e.start is None or begins is None or e.start <= begins)]  # fmt: skip
    ended = [e for e in before if e.until is not None and e.until == begins]
    if ended:
        return ended[-1]
    open_rows = [e for e in before if e.until is None and e.began is None]
    if open_rows:
        return max(open_rows, key=lambda e: (e.start or dt.date.min, e.id or 0))
    if before and own is not None and own.began not in (None, "opening"):
        return _NONE
    return None


def _contraception(person: Mapping[str, Any], event_id: int, day: dt.date | None,
                   entries: Sequence[Entry]) -> Undo:  # fmt: skip
    block = (person.get("woman") or {}).get("contraception") or {}
    if _date(block.get("since")) != day:
        return Undo(conflict=_changed("避孕节育措施"))
    prior = previous(entries, event_id, day)
    if prior is None:
        return Undo(missing=[f"避孕节育：没有这次避孕措施变动之前的措施记录，原来的措施无从得知，没有恢复。{BY_HAND}"])
    if prior is _NONE:
        return Undo({"woman.contraception": None})
    value = prior.value
    restored = {"method": value.get("method"), "since": prior.start, "failure": value.get("failure")}
    return Undo({"woman.contraception": restored})


def _marriage(kind: str, person: Mapping[str, Any], event_id: int, day: dt.date | None,
              entries: Sequence[Entry], keys: Mapping[int, str]) -> Undo:  # fmt: skip
    status = person.get("marital_status") or ""
    date = person.get("first_marriage_date") if kind == "first_marriage" else person.get("marriage_change_date")
    later = kind == "first_marriage" and person.get("marriage_change_date") is not None
    if status not in STATUS_AFTER[kind] or _date(date) != day or later:
        return Undo(conflict=_changed("婚姻状况"))
    prior = previous(entries, event_id, day)
    if prior is None or prior is _NONE:
        if kind != "first_marriage":
            return Undo(missing=[f"婚姻：没有这次{_label(kind)}之前的婚姻记录，原来的婚姻状况、配偶和日期无从得知，"
                                 f"没有恢复。{BY_HAND}"])  # fmt: skip
        values = {"marital_status": "10", "first_marriage_date": None, "marriage_change_date": None,
                  "spouse": None, "spouse_external": None}  # fmt: skip  # before a first marriage: unmarried
    else:
        v = prior.value
        outside = {"name": v.get("spouse_name"), "id_number": v.get("spouse_id_number")}
        before = v.get("status")
        values = {
            "marital_status": before,
            "marriage_change_date": prior.start if before in ("22", "23", "30", "40") else None,
            "spouse": keys.get(v.get("spouse_id") or 0),
            "spouse_external": outside if any(outside.values()) else None,
        }
        if kind == "first_marriage":
            values["first_marriage_date"] = prior.start if before in MARRIED else None
    undo = Undo(values)
    spouse = person.get("spouse") or values.get("spouse")  # the spouse of now or of before: not touched here
    if spouse and person.get("spouse") != values.get("spouse"):
        undo.missing.append(
            f"配偶（人员编号 {spouse}）的记录没有改动；如其婚姻状况也有错，请撤销其变动或在人员表中手工改正。"
        )
    return undo


def _flow(kind: str, person: Mapping[str, Any], event_id: int, day: dt.date | None,
          entries: Sequence[Entry]) -> Undo:  # fmt: skip
    flow = person.get("flow") or {}
    if flow.get("type") != kind or _date(flow.get("since")) != day or person.get("mgmt") not in FLOW_MGMT:
        return Undo(conflict=_changed("流动情况"))
    prior = previous(entries, event_id, day)
    if prior is None or prior is _NONE:
        return Undo(missing=[f"管理属性与流动：没有这次{_label(kind)}之前的记录，原来的管理属性和流动情况无从得知，"
                             f"没有恢复。如此人并未{_label(kind)}，{BY_HAND}"])  # fmt: skip
    v = prior.value
    mgmt = v.get("mgmt")
    restored = None
    if mgmt in FLOW_MGMT:
        restored = {"type": v.get("flow_type"), "since": prior.start, "place_code": v.get("place_code"),
                    "place": v.get("place"), "reason": v.get("reason")}  # fmt: skip
    undo = Undo({"mgmt": mgmt, "flow": restored})
    undo.missing.append(f"人户状况：历史中没有记录这次{_label(kind)}之前的人户状况（现为 {person.get('residence_status') or '空'}），"
                        f"没有恢复。请核对，如有错{BY_HAND}")  # fmt: skip
    return undo


def _pregnancy(kind: str, person: Mapping[str, Any], day: dt.date | None) -> Undo:
    woman = person.get("woman") or {}
    pregnancies = copy.deepcopy(list(woman.get("pregnancies") or ()))
    if kind == "pregnancy":
        found = next((i for i, g in enumerate(pregnancies) if _date(pregnancy_date(g)) == day), None)
        if found is None:
            return Undo(conflict=_changed("孕情"))
        if pregnancies[found].get("outcome_date") is not None:
            return Undo(conflict="这次怀孕后来已登记妊娠结局，不能自动恢复，没有撤销。请先撤销妊娠结局的变动。")
        del pregnancies[found]
        return Undo({"woman.pregnancies": pregnancies})
    found = next((i for i, g in enumerate(pregnancies) if _date(g.get("outcome_date")) == day), None)
    if found is None:
        return Undo(conflict=_changed("孕情"))
    pregnancies[found].update(outcome=None, outcome_date=None)
    undo = Undo({"woman.pregnancies": pregnancies})
    born = [c for c in woman.get("children") or () if _date(c.get("birth_date")) == day]
    if born:
        names = "、".join(str(c.get("name") or "未取名") for c in born)
        undo.missing.append(f"子女：这天出生的子女（{names}）的记录没有改动；如有错，请在人员表中改正或注销。")
    return undo


def _exit(kind: str, person: Mapping[str, Any], day: dt.date | None) -> Undo:
    cancel = person.get("cancel") or {}
    reason = cancel.get("reason")
    if kind == "death":
        if _date(person.get("death_date")) != day:
            return Undo(conflict=_changed("死亡日期"))
        return Undo({"death_date": None, **({"cancel": None} if cancel and reason == "01" else {})})
    wanted = reason in MOVE_OUT_REASONS if kind == "move_out" else reason not in (*MOVE_OUT_REASONS, "01")
    if not cancel or _date(cancel.get("date")) != day or not wanted:
        return Undo(conflict=_changed("注销情况"))
    return Undo({"cancel": None})


def _moved(kind: str, residence: Sequence[Entry], event_id: int, day: dt.date | None) -> Undo:
    if kind == "householder":
        return Undo(missing=["变更户主没有自动退回。如有错，请在户表中重新指定户主。"])
    prior = previous(residence, event_id, day)
    code = prior.value.get("household_code") if prior is not None and prior is not _NONE else None
    where = f"原户编码 {code}" if code else "原来所在的户无从得知"
    return Undo(missing=[f"居住户：此人没有自动迁回（{where}）。如这次{_label(kind)}有错，请在户表中把此人迁回原户。"])


def derive(kind: str, day: dt.date | None, event_id: int, person: Mapping[str, Any],
           entries: Mapping[str, Sequence[Entry]], keys: Mapping[int, str]) -> Undo:  # fmt: skip
    """What reversing change event `event_id` (`kind` of `day`) of `person` (the record now) puts back;
    `entries`: the person's history entries per history kind, in the order written (ids ascending);
    `keys`: person id → record key, for the spouses the marriage entries name."""
    if kind == "contraception":
        return _contraception(person, event_id, day, entries.get("contraception", ()))
    if kind in STATUS_AFTER:
        return _marriage(kind, person, event_id, day, entries.get("marriage", ()), keys)
    if kind in ("inflow", "outflow"):
        return _flow(kind, person, event_id, day, entries.get("mgmt", ()))
    if kind in ("pregnancy", "outcome"):
        return _pregnancy(kind, person, day)
    if kind in ("death", "move_out", "cancel"):
        return _exit(kind, person, day)
    if kind in (*MOVES, "householder"):
        return _moved(kind, entries.get("residence", ()), event_id, day)
    if kind in ("birth", "move_in"):
        return Undo(missing=[f"此人随这次{_label(kind)}登记进入本地数据，之前不在册，没有可恢复的记录。"
                             f"如这次{_label(kind)}有错，请在人员表中改正或注销此人。"])  # fmt: skip
    return Undo(missing=[f"这次{_label(kind)}之前的情况无从得知，没有恢复。{BY_HAND}"])
