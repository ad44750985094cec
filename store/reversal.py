"""Reversing a wrong change event (撤销): with a reason, logged and counted, never deleted.

:func:`reverse_event` keeps the event and adds an ``event_reversal`` row. The items the event changed are put
back to their values before it through the one save path (`store.service`), so versions, scope and the audit
log apply as for any save: the ``field_change`` rows tied to it (`store.field_changes`), or — for an event
without them (imported, from a database older than field changes, a new person's first event) — the values
:mod:`store.reversal_rules` derives from the record and the histories; what cannot be derived is listed in
Chinese (:attr:`Reversal.unrestored`) and left for the clerk. How it is counted
follows the month rules (`store.domain.months`): an event of a month still open is withdrawn (it leaves that
month's change list, and the restored record leaves its figures); an event of a closed month stays in the
closed figures and a correction line (更正) is counted in the open month, as :func:`counting_month` decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from store import audit, db, field_changes, histories, reversal_rules, service
from store.access import Action, Actor, enforce, enforce_in_scope
from store.domain import histories as history_rules
from store.domain.months import counting_month, month_of
from store.errors import StoreError
from store.events import EVENT_LABELS
from store.months import active_closes, months_closed_for
from store.records import load_households
from store.textsafe import unsafe_message

#: the longest reason kept
REASON_CHARS = 200


@dataclass(frozen=True)
class Reversal:
    """What a reversal did: the event, whether it was withdrawn from an open month (else corrected in the
    open month, 更正), the items restored, and what was not (Chinese sentences saying what to do)."""

    event_id: int
    withdrawn: bool
    restored: tuple[str, ...]
    unrestored: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Event:
    id: int
    kind: str
    date: dt.date | None
    person_id: int | None
    person_key: str | None
    household: str
    report_month: str | None
    correction: bool


def check_reason(reason: str) -> str:
    """The reason, stripped; raises :class:`StoreError` when empty, too long or unsafe."""
    text = (reason or "").strip()
    if not text:
        raise StoreError("请写明撤销的理由。")
    if len(text) > REASON_CHARS:
        raise StoreError(f"撤销理由不能超过 {REASON_CHARS} 个字。")
    unsafe = unsafe_message(text)
    if unsafe:
        raise StoreError(f"撤销理由{unsafe}。")
    return text


async def _event(event_id: int) -> _Event:
    rows = await db.fetch(
        "SELECT e.id, e.kind, e.event_date, e.person_id, p.key, e.household_code, e.report_month, e.correction "
        "FROM change_event e LEFT JOIN person p ON p.id = e.person_id WHERE e.id = ?",
        [event_id],
    )
    if not rows:
        raise StoreError(f"没有编号为 {event_id} 的变动。")
    r = tuple(rows[0])
    date = r[2]
    if isinstance(date, str):
        date = dt.date.fromisoformat(date[:10])
    return _Event(int(r[0]), str(r[1]), date, r[3], r[4], str(r[5]), r[6], bool(r[7]))


def label(kind: str) -> str:
    """The Chinese name of a change kind."""
    return EVENT_LABELS.get(kind, kind)


async def reverse_event(event_id: int, reason: str, *, actor: Actor, person_key: str | None = None) -> Reversal:
    """Reverse change event `event_id` with `reason` (reviewers and admins, in their units; refusals logged).
    `person_key`: the person it must belong to (the timeline it was chosen from). Raises :class:`StoreError`
    in Chinese: no such event, not this person's, a correction line, already reversed, or an item changed
    again since (then nothing is restored automatically)."""
    await enforce(actor, Action.REVERSE)
    text = check_reason(reason)
    event = await _event(event_id)
    if person_key is not None and event.person_key != person_key:
        raise StoreError(f"编号 {event_id} 的变动不属于此人。")
    await enforce_in_scope(actor, [event.household], "修改")
    if event.correction:
        raise StoreError("更正记录不能撤销。")
    done = await db.fetch("SELECT reversed_by, reversed_at FROM event_reversal WHERE event_id = ?", [event_id])
    if done:
        raise StoreError(f"编号 {event_id} 的变动已由 {done[0][0]} 撤销过。")
    closed = months_closed_for(event.household[:12], await active_closes())
    corrected = (event.date is not None and month_of(event.date) in closed) or event.report_month in closed
    items = await db.fetch("SELECT field, before, after FROM field_change WHERE event_id = ? ORDER BY id", [event_id])
    if items and event.person_key:
        record, restored, unrestored = await _restored(event, items), tuple(str(i[0]) for i in items), ()
    else:
        record, restored, unrestored = await _derived(event)
    mark = await field_changes.event_mark(None)
    now = dt.datetime.now().replace(microsecond=0)

    async def rows(client: Any) -> None:
        await _drop_rederived(event, mark, actor.username, client)
        await db.execute(
            "INSERT INTO event_reversal (event_id, person_id, reason, reversed_by, reversed_at, withdrawn) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [event.id, event.person_id, text, actor.username, now, not corrected],
            client,
        )
        if corrected:
            await _correction_line(event, closed, now, actor.username, client)
        what = f"撤销变动 {event.id}（{label(event.kind)} {event.date or ''}）{'，更正' if corrected else ''}：{text}"
        await audit.log_action(actor.username, "reverse", event.household, what, client)

    if record is None:
        async with in_transaction() as client:
            await rows(client)
    else:
        await service.save_household(record, operator=actor.username, actor=actor, then=rows)
    return Reversal(event.id, not corrected, restored if record is not None else (), unrestored)


async def _household(event: _Event) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The household record of the event's person and that person's record in it (None: no such person)."""
    code = await db.scalar("SELECT household_id FROM person WHERE id = ?", [event.person_id])
    if code is None:
        return None
    record = (await load_households([str(code)]))[str(code)]
    return record, next(m for m in record["members"] if m["key"] == event.person_key)


async def _derived(event: _Event) -> tuple[dict[str, Any] | None, tuple[str, ...], tuple[str, ...]]:
    """For an event without field changes: the person's household with what :func:`reversal_rules.derive`
    puts back (None: nothing), the items restored and the sentences on what is not; raises
    :class:`StoreError` when the event's fact was changed again since."""
    found = await _household(event) if event.person_key else None
    if found is None:
        return None, (), ("这条变动没有对应的人员记录，没有可恢复的项目。",)
    record, person = found
    entries = await histories.entries_of(int(event.person_id or 0))
    spouses = sorted({int(e.value["spouse_id"]) for e in entries["marriage"] if e.value.get("spouse_id")})
    keys: dict[int, str] = {}
    if spouses:
        marks = ",".join("?" * len(spouses))
        keys = {int(r[0]): str(r[1]) for r in await db.fetch(f"SELECT id, key FROM person WHERE id IN ({marks})",
                                                              spouses)}  # fmt: skip
    undo = reversal_rules.derive(event.kind, event.date, event.id, person, entries, keys)
    if undo.conflict:
        raise StoreError(undo.conflict)
    if not undo.values:
        return None, (), tuple(undo.missing)
    for path, value in undo.values.items():
        field_changes.set_value(person, path, value)
    person[histories.HINT] = (None, history_rules.REVERSED)
    return record, tuple(undo.values), tuple(undo.missing)


async def _restored(event: _Event, items: list[Any]) -> dict[str, Any] | None:
    """The person's household with the event's items put back to their values before it; refuses when an item
    was changed again since."""
    found = await _household(event)
    if found is None:
        return None
    record, person = found
    for path, before, after in (tuple(i) for i in items):
        if field_changes.encode(field_changes.value_at(person, path)) != after:
            raise StoreError(
                f"此人的{field_changes.LABELS.get(path, path)}在这次变动之后又改过，不能自动恢复，没有撤销。"
                "请先撤销后来的变动，或直接修改该项。"
            )
        field_changes.set_value(person, path, field_changes.decode(before))
    person[histories.HINT] = (None, history_rules.REVERSED)  # the histories end the wrong entry as 撤销
    return record


async def _drop_rederived(event: _Event, mark: int, operator: str, client: Any) -> None:
    """Facts the restored record has again were counted by their own events when first recorded: the lines
    the restoring save derived for them (not corrections) are not kept."""
    if event.person_id is None:
        return
    found = await db.fetch(
        "SELECT id FROM change_event WHERE id > ? AND person_id = ? AND operator = ? AND correction = ?",
        [mark, event.person_id, operator, False],
        client,
    )
    ids = [int(r[0]) for r in found]
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    await db.execute(f"UPDATE field_change SET event_id = NULL WHERE event_id IN ({marks})", ids, client)
    await db.execute(f"DELETE FROM change_event WHERE id IN ({marks})", ids, client)


async def _correction_line(event: _Event, closed: frozenset[str], now: dt.datetime, operator: str,
                           client: Any) -> None:  # fmt: skip
    """The 更正 line of a reversed event of a closed month, unless the restoring save already wrote it."""
    if event.date is None:
        return
    written = event.person_id is not None and await db.scalar(
        "SELECT 1 FROM change_event WHERE id > ? AND person_id = ? AND kind = ? AND event_date = ? AND correction = ?",
        [event.id, event.person_id, event.kind, event.date, True],
        client,
    )
    if written:
        return
    month = counting_month(event.date, now, closed)
    await db.execute(
        "INSERT INTO change_event (kind, event_date, person_id, household_code, entered_at, operator, source, "
        "report_month, correction) VALUES (?, ?, ?, ?, ?, ?, 'app', ?, ?)",
        [event.kind, event.date, event.person_id, event.household, now, operator, month, True],
        client,
    )
