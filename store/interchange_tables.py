"""The extra tables of the household file (format versions 2 and 3, `docs/spec/interchange.md` §1.1), one
declaration each.

A :class:`Section` says how the rows of one database table travel in the file, one line per row
(``{"change_event": {...}}``): its columns (file item = column name, with kind and bounds), the column holding a
person (written as the person's key under ``person``, matched back to the id on import), the items that identify
a row when a file is imported again (upsert), and the code that places a row in a unit (``--unit`` exports, the
check that the unit exists). Adding a table to the interchange is one more entry in :data:`SECTIONS`; the parser
(`store.interchange`), the exporter and the importer (`store.section_rows`) read nothing else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from store.domain.histories import ENDED_LABELS
from store.events import EVENT_LABELS

__all__ = ["EVENT_KEY", "EVENT_SECTION", "FORMAT_VERSION", "SECTIONS", "Column", "Section", "by_name"]

#: the version written by ``renkou export households``; a file without a ``format`` line is version 1. Version 2
#: (commit 7f3ebfe) carried closed months, sign-offs, change events and a four-item contraception history; version
#: 3 adds the sections and items of the histories and the timeline (:attr:`Section.since`). A program reading an
#: older version refuses a newer file rather than silently dropping what it does not know; this one reads every
#: version up to its own (a file declaring 2 with sections of 3, written while they were being added, included).
FORMAT_VERSION = 3


@dataclass(frozen=True)
class Column:
    """One column of a section: `kind` is text, code (of `table`), choice (of `choices`), date, datetime, month
    (``YYYY-MM``), digits (a code of one of `lengths` digits; 0 allows ''), int (0..`limit`), bool, person (a
    person id in the table, the person's key in the file, like :attr:`Section.person`: a spouse, a former
    household's head …), or event (a change event's id in the table; in the file an object with the items that
    identify the event's own ``change_event`` line, :data:`EVENT_KEY`, resolved on import to the id of the
    event that line imported or matched: ids are local to a database)."""

    name: str
    kind: str
    limit: int = 0
    table: str | None = None
    choices: frozenset[str] = frozenset()
    lengths: tuple[int, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Section:
    """How one table travels in the file (see the module docstring).

    `person`: the column holding a person id (``None``: the table has none); in the file it is the item
    ``person``, a person key. `match`: the file items that identify a stored row (empty: every item but event
    columns). `unit`:
    the column with the code placing the row (`unit_kind` ``unit``: a unit code, rows of the containing units
    travel with a unit's export; ``household``: a household code); None: placed by its person's household.
    `derived`: the bulk writer derives rows of this table from record changes; an import of a file of version 2
    or later takes them from the file instead. `check`: a last check of a whole row, returning a Chinese reason
    or None. `since`: the format version that added the section (2 or 3)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    person: str | None = None
    person_required: bool = False
    match: tuple[str, ...] = ()
    unit: str | None = None
    unit_kind: str = "unit"
    derived: bool = False
    check: Callable[[dict[str, Any]], str | None] | None = None
    since: int = 2

    @property
    def items(self) -> tuple[str, ...]:
        """The file items of a row, in file order."""
        return (*(("person",) if self.person else ()), *(c.name for c in self.columns))

    @property
    def key_items(self) -> tuple[str, ...]:
        """The items that identify a row: `match`, else every item but the change events named (a row of a file
        written before they travelled matches its stored row, which then takes the file's value)."""
        events = {c.name for c in self.columns if c.kind == "event"}
        return self.match or tuple(item for item in self.items if item not in events)


def _close_check(row: dict[str, Any]) -> str | None:
    if hashlib.sha256(row["figures"].encode("utf-8")).hexdigest() != row["digest"]:
        return "封账数据的校验码与内容不符（文件可能被改动过），不能导入。"
    if (row["reopened_at"] is None) != (row["reopened_by"] is None):
        return "重新打开的时间和人员应同时给出。"
    return None


_UNIT_CODES = (0, 6, 9, 12, 14)
_TEXT = 60
#: how a history entry began and ended (`store.domain.histories`)
_HOW = frozenset(ENDED_LABELS)
#: the columns every history ends with (the change event that began an entry is named by its key)
_SPAN = (Column("start", "date"), Column("until", "date"), Column("began", "choice", choices=_HOW),
         Column("ended", "choice", choices=_HOW), Column("entered_at", "datetime", required=True),
         Column("event_id", "event"))  # fmt: skip

SECTIONS: tuple[Section, ...] = (
    Section(
        "month_close", "封账记录",
        (Column("unit_code", "digits", lengths=_UNIT_CODES, required=True), Column("month", "month", required=True),
         Column("figures", "text", 1_000_000, required=True), Column("digest", "text", 64, required=True),
         Column("closed_by", "text", _TEXT, required=True), Column("closed_at", "datetime", required=True),
         Column("reopened_by", "text", _TEXT), Column("reopened_at", "datetime"),
         Column("reopen_reason", "text", 2000)),
        match=("unit_code", "month", "closed_at"), unit="unit_code", check=_close_check,
    ),
    Section(
        "month_signoff", "审核签字",
        (Column("unit_code", "digits", lengths=(12,), required=True), Column("month", "month", required=True),
         Column("signed_by", "text", _TEXT, required=True), Column("signed_name", "text", _TEXT, required=True),
         Column("signed_at", "datetime", required=True), Column("open_errors", "int", 10**9, required=True)),
        match=("unit_code", "month"), unit="unit_code",
    ),
    Section(
        "change_event", "变动",
        (Column("kind", "choice", choices=frozenset(EVENT_LABELS), required=True), Column("event_date", "date"),
         Column("household_code", "digits", lengths=(18,), required=True),
         Column("entered_at", "datetime", required=True), Column("operator", "text", _TEXT, required=True),
         Column("source", "text", 8, required=True), Column("report_month", "month"),
         Column("correction", "bool", required=True)),
        person="person_id", unit="household_code", unit_kind="household", derived=True,
    ),
    Section(
        "event_reversal", "变动撤销",
        (Column("event_id", "event", required=True), Column("reason", "text", 2000, required=True),
         Column("reversed_by", "text", _TEXT, required=True), Column("reversed_at", "datetime", required=True),
         Column("withdrawn", "bool", required=True)),
        person="person_id", match=("person", "event_id"), since=3,
    ),
    Section(
        "field_change", "项目修改记录",
        (Column("field", "text", 40, required=True), Column("before", "text", 1_000_000),
         Column("after", "text", 1_000_000), Column("changed_at", "datetime", required=True),
         Column("changed_by", "text", _TEXT, required=True), Column("event_id", "event")),
        person="person_id", person_required=True, since=3,
    ),
    Section(
        "contraception_history", "避孕措施历史",
        (Column("method", "code", table="contraception_method"), Column("since", "date"),
         Column("failure", "code", table="contraception_failure"), Column("replaced_at", "datetime", required=True),
         Column("until", "date"), Column("began", "choice", choices=_HOW), Column("ended", "choice", choices=_HOW),
         Column("event_id", "event")),
        person="woman_id", person_required=True, derived=True,
    ),
    Section(
        "marriage_history", "婚姻历史",
        (Column("status", "code", table="marital_status", required=True), Column("spouse_id", "person"),
         Column("spouse_name", "text", _TEXT), Column("spouse_id_number", "text", 40), *_SPAN),
        person="person_id", person_required=True, since=3,
    ),
    Section(
        "mgmt_history", "管理属性与流动历史",
        (Column("mgmt", "code", table="mgmt", required=True), Column("flow_type", "text", 8),
         Column("place_code", "digits", lengths=(0, 6)), Column("place", "text", 100),
         Column("reason", "text", 100), *_SPAN),
        person="person_id", person_required=True, since=3,
    ),
    Section(
        "residence_history", "居住户历史",
        (Column("household_code", "digits", lengths=(18,), required=True), *_SPAN),
        person="person_id", person_required=True, since=3,
    ),
)  # fmt: skip


#: the change events' own section, and the items naming an event in an ``event`` column
EVENT_SECTION = next(section for section in SECTIONS if section.name == "change_event")
EVENT_KEY = EVENT_SECTION.key_items


def by_name(name: str) -> Section | None:
    """The section whose lines carry `name`, if any."""
    return next((section for section in SECTIONS if section.name == name), None)
