"""A person's timeline (历史数据): everything that happened to a person, in time order.

:func:`person_timeline` merges the entries of every source in :data:`SOURCES` — change events, field changes
with their values before and after, the histories (contraception, marriage, flow, residence), pregnancies and their outcomes, children
born, reversals — each an async function of the person id. Entries are sorted by the day things happened
(then the time they were keyed). The screen ``tui/screens/timeline.py`` and ``renkou history`` show the same
list; texts are untrusted (names, places) and shown through ``tui.text``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from store import db, field_changes, histories
from store.access import enforce_in_scope
from store.codes import TABLES
from store.domain.months import is_late
from store.errors import StoreError
from store.events import EVENT_LABELS
from store.masking import mask_id, mask_ids_in_text
from store.scope import Who


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a timeline. ``day``: when it happened; ``at``/``who``: when and by whom it was keyed;
    ``kind``: its category (变动, 修改, a history kind: 避孕, 婚姻, 流动, 居住, 孕情, 生育, 撤销); ``event_id``: the change event a clerk may
    reverse (None for other lines); ``reversed``: that event was reversed."""

    day: dt.date | None
    at: dt.datetime | None
    kind: str
    text: str
    who: str = ""
    event_id: int | None = None
    reversed: bool = False
    correction: bool = False

    def sort_key(self) -> tuple[dt.date, dt.datetime, int]:
        """Day, then entry time, then event number."""
        day = self.day or (self.at.date() if self.at else dt.date.min)
        return day, self.at or dt.datetime.min, self.event_id or 0


@dataclass(frozen=True)
class PersonRef:
    """The person a timeline is about."""

    id: int
    key: str
    name: str
    household: str
    id_number: str


Source = Callable[[int], Awaitable[list[TimelineEntry]]]


def _day(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _time(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        if value is not None and value.tzinfo is not None:
            return value.astimezone().replace(tzinfo=None)  # PostgreSQL timestamptz → local time
        return value
    return dt.datetime.fromisoformat(str(value))


def _code(table: str, code: Any) -> str:
    return TABLES[table].label(str(code)) or str(code) if code not in (None, "") else "（空）"


async def event_entries(person_id: int) -> list[TimelineEntry]:
    """The person's change events, with their counting month (补报, 更正) and whether they were reversed."""
    rows = await db.fetch(
        "SELECT e.id, e.kind, e.event_date, e.entered_at, e.operator, e.report_month, e.correction, e.source, "
        "r.id FROM change_event e LEFT JOIN event_reversal r ON r.event_id = e.id WHERE e.person_id = ? ORDER BY e.id",
        [person_id],
    )
    out = []
    for event_id, kind, date, entered, operator, month, correction, source, reversal in (tuple(r) for r in rows):
        day = _day(date)
        text = EVENT_LABELS.get(str(kind), str(kind))
        if correction:
            text += "（更正）"
        elif day is not None and is_late(day, month):
            text += "（补报）"
        if month:
            text += f"，计入 {month}"
        if reversal is not None:
            text += "，已撤销"
        who = str(operator or "") + ("（导入）" if source == "import" else "")
        entry = TimelineEntry(
            day, _time(entered), "变动", text, who, int(event_id), reversal is not None, bool(correction)
        )
        out.append(entry)
    return out


#: sub-items of the record's blocks: (name, code table or None)
_PARTS: dict[str, tuple[str, str | None]] = {
    "type": ("", "flow_type"), "method": ("", "contraception_method"), "failure": ("失败", "contraception_failure"),
    "since": ("自", None), "date": ("", None), "place_code": ("地区", None), "place": ("", None),
    "reason": ("原因", None), "from_code": ("来自", None), "to_code": ("迁往", None), "to_place": ("", None),
    "name": ("", None), "id_number": ("身份证号", None), "lmp": ("末次月经", None), "edd": ("预产期", None),
    "outcome": ("结局", "pregnancy_outcome"), "outcome_date": ("", None), "reported": ("报告", None),
}  # fmt: skip


#: a region code is left out where the place is named
_NAMED = frozenset({("place_code", True), ("to_code", True)})


def _block(value: dict[str, Any], path: str) -> str:
    parts = []
    order = [name for name in _PARTS if name in value] + [name for name in value if name not in _PARTS]
    for name in order:
        item = value[name]
        if item in (None, "") or (name, bool(value.get("place") or value.get("to_place"))) in _NAMED:
            continue
        prefix, table = _PARTS.get(name, ("", None))
        if path == "cancel" and name == "reason":
            table, prefix = "cancel_reason", ""
        shown = _code(table, item) if table else str(item)
        parts.append(f"{prefix}{shown}")
    return " ".join(parts) or "（空）"


def show_value(path: str, text: str | None) -> str:
    """A field change's value as a clerk reads it: code labels, dates, blocks in words."""
    value = field_changes.decode(text)
    if value is None:
        return "（空）"
    table = path if path in TABLES else None
    if table:
        return _code(table, value)
    if isinstance(value, dict):
        return _block(value, path)
    if isinstance(value, list):
        return "；".join(_block(v, path) if isinstance(v, dict) else str(v) for v in value) or "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


async def field_entries(person_id: int) -> list[TimelineEntry]:
    """The person's field changes: item, before → after."""
    rows = await db.fetch(
        "SELECT field, before, after, changed_at, changed_by FROM field_change WHERE person_id = ? ORDER BY id",
        [person_id],
    )
    out = []
    for path, before, after, at, who in (tuple(r) for r in rows):
        label = field_changes.LABELS.get(str(path), str(path))
        text = f"{label}：{show_value(str(path), before)} → {show_value(str(path), after)}"
        when = _time(at)
        out.append(TimelineEntry(when.date() if when else None, when, "修改", text, str(who or "")))
    return out


#: the category column of a history line (short: the column is four cells wide)
HISTORY_CATEGORIES = {"contraception": "避孕", "marriage": "婚姻", "mgmt": "流动", "residence": "居住"}


async def history_entries(person_id: int) -> list[TimelineEntry]:
    """The person's histories (`store.histories`): each contraception method, marital state, management
    attribute / flow and household, with the days it began and ended."""
    out = []
    for entry in await histories.person_histories(person_id):
        text = entry["value"]
        if entry["end"]:
            text += f"（至 {entry['end']:%Y-%m-%d}）"
        if entry["detail"]:
            text += f"；{entry['detail']}"
        out.append(TimelineEntry(entry["start"], None, HISTORY_CATEGORIES[entry["kind"]], text))
    return out


async def pregnancy_entries(person_id: int) -> list[TimelineEntry]:
    """Pregnancies (reported, LMP, EDD) and their outcomes, and the children born."""
    out = []
    rows = await db.fetch(
        "SELECT lmp, edd, outcome, outcome_date, reported FROM pregnancy WHERE woman_id = ? ORDER BY seq", [person_id]
    )
    for lmp, edd, outcome, outcome_date, reported in (tuple(r) for r in rows):
        text = f"怀孕，末次月经 {_day(lmp) or '（空）'}，预产期 {_day(edd) or '（空）'}"
        out.append(TimelineEntry(_day(reported) or _day(lmp), None, "孕情", text))
        if outcome:
            out.append(
                TimelineEntry(_day(outcome_date), None, "孕情", f"妊娠结局：{_code('pregnancy_outcome', outcome)}")
            )
    rows = await db.fetch(
        "SELECT birth_order, name, sex, birth_date, alive FROM child WHERE woman_id = ? ORDER BY seq", [person_id]
    )
    for order, name, sex, birth, alive in (tuple(r) for r in rows):
        text = f"生育第 {order or '?'} 孩 {name or '（未填姓名）'}，{_code('sex', sex)}"
        if alive is not None and not alive:
            text += "，已死亡"
        out.append(TimelineEntry(_day(birth), None, "生育", text))
    return out


async def reversal_entries(person_id: int) -> list[TimelineEntry]:
    """The reversals of the person's change events, with their reasons."""
    rows = await db.fetch(
        "SELECT r.event_id, e.kind, e.event_date, r.reason, r.reversed_by, r.reversed_at, r.withdrawn "
        "FROM event_reversal r LEFT JOIN change_event e ON e.id = r.event_id WHERE r.person_id = ? ORDER BY r.id",
        [person_id],
    )
    out = []
    for event_id, kind, date, reason, who, at, withdrawn in (tuple(r) for r in rows):
        what = EVENT_LABELS.get(str(kind), str(kind))
        how = "不再计入" if withdrawn else "已封账月份，本月计更正"
        text = f"撤销变动 {event_id}（{what} {_day(date) or ''}），{how}；理由：{reason}"
        when = _time(at)
        out.append(TimelineEntry(when.date() if when else None, when, "撤销", text, str(who or "")))
    return out


#: The sources of a timeline, merged in time order; another source is one more entries function here.
SOURCES: list[Source] = [
    event_entries,
    field_entries,
    history_entries,
    pregnancy_entries,
    reversal_entries,
]


async def person_timeline(person_id: int, *, full_ids: bool = True) -> list[TimelineEntry]:
    """Everything that happened to a person, in time order (:data:`SOURCES`); ID numbers in the texts are
    masked (`store.masking`) unless `full_ids`."""
    entries = [entry for source in SOURCES for entry in await source(person_id)]
    entries.sort(key=TimelineEntry.sort_key)
    if not full_ids:
        entries = [_masked(e) for e in entries]
    return entries


def _masked(entry: TimelineEntry) -> TimelineEntry:
    text = mask_ids_in_text(entry.text)
    return entry if text == entry.text else TimelineEntry(**{**entry.__dict__, "text": text})


async def find_person(key_or_id: str, *, actor: Who = None, full_ids: bool = True) -> PersonRef:
    """The person with this record key or 18-digit ID number, in the actor's units (refusal logged); raises
    :class:`StoreError` in Chinese when there is none or several share the ID number."""
    text = (key_or_id or "").strip()
    rows = await db.fetch("SELECT id, key, name, household_id, id_number FROM person WHERE key = ?", [text])
    if not rows and len(text) == 18:
        rows = await db.fetch(
            "SELECT id, key, name, household_id, id_number FROM person WHERE id_number = ? ORDER BY id", [text.upper()]
        )
    if not rows:
        raise StoreError(f"没有找到人员编号或身份证号为 {mask_id(text) if len(text) == 18 else text} 的人。")
    if len(rows) > 1:
        keys = "、".join(str(r[1]) for r in rows)
        raise StoreError(f"身份证号 {mask_id(text)} 对应多人（{keys}），请用人员编号查询。")
    pid, key, name, household, id_number = tuple(rows[0])
    await enforce_in_scope(actor, [str(household)], "查看")
    shown = str(id_number or "")
    return PersonRef(int(pid), str(key), str(name or ""), str(household), shown if full_ids else mask_id(shown))
