"""The application services the screens and the command line call: one typed function per thing a clerk does.

Each is a thin wrapper over the store (:mod:`store.service`), the audit (:mod:`checks.engine`,
:mod:`checks.confirm`, :mod:`checks.commands`) and the exports (:mod:`exports.commands`,
:mod:`store.exporter`), so that a screen never strings several of them together itself. Headless: this module
never imports Textual (tests/test_layers.py checks it). Failures the user can act on raise
:class:`store.errors.StoreError` with a Chinese message, as the layers below do.

Given the `actor` (the TUI's logged-in user, the CLI's ``acting()``), a function enforces its role
(`store.access`, refusals logged) and unit scope (`store.scope`): writes out of scope are refused, exports
are limited to its units and mask ID numbers for those who may not see them (`store.masking`). Without an
actor (internal callers, tests) nothing is restricted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from checks.model import Finding
    from checks.runner import AuditSummary
    from exports.monthly import CloseResult
    from store.access import Actor
    from store.months import ClosedMonth, MonthState, Signoff
    from store.reversal import Reversal
    from store.timeline import PersonRef, TimelineEntry

__all__ = [
    "Progress",
    "SaveResult",
    "audit_draft",
    "change_householder",
    "check_report",
    "close_month",
    "confirm_warning",
    "export_errors",
    "export_households",
    "export_monthly",
    "export_sample",
    "import_sample_results",
    "merge_households",
    "month_history",
    "month_state",
    "move_member",
    "person_history",
    "quality_report",
    "reaudit",
    "remove_member",
    "reopen_month",
    "reverse_event",
    "run_audit",
    "save_and_audit",
    "sign_off_month",
    "split_household",
    "villages_not_signed",
]

#: called with (done, total) as a long job goes (possibly from a worker thread)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SaveResult:
    """What a save stored and what the audit now finds in it."""

    #: the stored household records (with their new versions), in the order given
    records: list[dict[str, Any]]
    #: findings of the saved households after the re-audit (sorted like every audit's)
    findings: list[Finding] = field(default_factory=list)
    #: set when the records were saved but the re-audit failed (the findings are then empty)
    audit_error: str | None = None

    @property
    def record(self) -> dict[str, Any]:
        """The first (usually the only) stored record."""
        return self.records[0]

    def findings_of(self, household_code: str) -> list[Finding]:
        """The findings of one saved household."""
        return [f for f in self.findings if f.household_code == household_code]


async def save_and_audit(
    records: Mapping[str, Any] | Sequence[Mapping[str, Any]], operator: str, *, actor: Actor | None = None
) -> SaveResult:
    """Store household records in one transaction (all or none; :func:`store.service.save_households`), then
    re-audit them with the households of their partners (:func:`checks.engine.reaudit_households`).

    Raises :class:`store.errors.ConflictError` when a record was changed by someone else since it was opened,
    :class:`store.errors.StoreError` when it cannot be stored. A failed re-audit does not undo the save: it is
    reported in :attr:`SaveResult.audit_error`."""
    from checks.engine import reaudit_households
    from store import service

    given = [dict(records)] if isinstance(records, Mapping) else [dict(r) for r in records]
    stored = await service.save_households(given, operator=operator, actor=actor)
    codes = [r["household"]["code"] for r in stored]
    try:
        findings = await reaudit_households(codes)
    except Exception as exc:  # the records are stored: say so, and why the findings are missing
        from store import faults

        reason = faults.translate(exc, what="重新审核", kept="户已保存。") or exc
        return SaveResult(stored, [], f"已保存，但重新审核失败：{reason}")
    return SaveResult(stored, findings)


async def reaudit(household_codes: Sequence[str]) -> list[Finding]:
    """Re-audit households (and those of their partners) as stored now, and store their findings."""
    from checks.engine import reaudit_households

    return await reaudit_households(list(household_codes))


async def audit_draft(record: Mapping[str, Any], as_of: dt.date | None = None) -> list[Finding]:
    """Findings of one household record as typed (saved or not), against what the database holds outside
    it: the inline audit of the entry forms."""
    from checks.engine import audit_record, load_config, load_context

    config = await load_config()
    as_of = as_of or dt.date.today()
    context = await load_context(dict(record), as_of, config)
    return audit_record(dict(record), context, as_of, config=config)


async def confirm_warning(
    person_key: str, rule: str, reason: str, operator: str, fields: Sequence[str] | None = None,
    *, actor: Actor | None = None,
) -> Finding:  # fmt: skip
    """Confirm a person's warning as correct (核实无误) with a reason; returns the now confirmed finding.
    Raises :class:`store.errors.StoreError` when the rule is not a warning, the reason is empty, or the
    person has no such warning now; :class:`store.access.AccessDenied` (logged) when the actor is no reviewer
    or admin, or the person lies outside its units."""
    from checks.confirm import confirm
    from store import access, scope

    if actor is not None:
        await access.enforce(actor, access.Action.CONFIRM_WARNING)
        await access.enforce_in_scope(actor, [await scope.household_of(person_key) or person_key], "修改")

    return await confirm(person_key, rule, list(fields) if fields else None, reason, operator)


async def run_audit(
    as_of: dt.date | None = None, progress: Progress | None = None, today: dt.date | None = None
) -> AuditSummary:
    """Audit the whole database at `as_of` (default today) and store the findings."""
    from checks.engine import run_audit as whole_audit

    return await whole_audit(as_of, progress, today=today)


async def check_report(
    out: TextIO, as_of: dt.date | None = None, unit: str | None = None, *, as_json: bool = False,
    progress: Progress | None = None, actor: Actor | None = None,
) -> int:  # fmt: skip
    """``renkou check``: audit the whole database and print the findings to `out` (those of the actor's units;
    JSON ID numbers masked unless it may see them); returns the exit code."""
    from checks.commands import check_command
    from store import access

    full_ids = True
    if actor is not None:
        if unit:
            await access.unit_within(actor, unit, what="查看审核结果")
        full_ids = access.may(actor, access.Action.EXPORT_FULL_IDS)
    return await check_command(as_of, unit, as_json, out, progress, actor=actor, full_ids=full_ids)


async def quality_report(
    out: TextIO, as_of: dt.date | None = None, *, as_json: bool = False, progress: Progress | None = None,
    actor: Actor | None = None,
) -> int:  # fmt: skip
    """``renkou quality``: audit, then print the quality indicators of the actor's units to `out`; returns the
    exit code."""
    from checks.commands import quality_command

    return await quality_command(as_of, as_json, out, progress, actor=actor)


async def export_monthly(
    month: str, out: Path, operator: str, unit: str = "", progress: Progress | None = None,
    *, actor: Actor | None = None,
) -> str:  # fmt: skip
    """Write the monthly returns of `unit` (default all; an actor's own unit) for `month` (``YYYY-MM``), ID
    numbers masked unless the actor may see them; returns the summary line."""
    from exports.commands import monthly_command

    unit, full_ids = await _export_scope(actor, unit, None)
    return await monthly_command(month, Path(out), unit, operator, progress, full_ids=full_ids)


async def export_period(
    kind: str, period: str, out: Path, operator: str, unit: str = "", progress: Progress | None = None,
    *, actor: Actor | None = None,
) -> str:  # fmt: skip
    """Write the half-year (`kind` ``halfyear``, `period` ``YYYY-H1``) or annual (``annual``, ``YYYY``)
    returns of `unit` (an actor's own unit), ID numbers masked unless the actor may see them."""
    from exports.commands import period_command

    unit, full_ids = await _export_scope(actor, unit, None)
    return await period_command(kind, period, Path(out), unit, operator, progress, full_ids=full_ids)


async def _export_scope(actor: Actor | None, unit: str, action: Any) -> tuple[str, bool]:
    """The unit an export covers and whether it shows full ID numbers, for `actor` (refusals logged)."""
    from store import access

    if actor is None:
        return unit, True
    if action is not None:
        await access.enforce(actor, action)
    return await access.unit_within(actor, unit), access.may(actor, access.Action.EXPORT_FULL_IDS)


async def export_errors(
    out: Path,
    operator: str,
    unit: str = "",
    is_admin: bool | None = None,
    progress: Progress | None = None,
    *,
    severity: str = "all",
    rule: str = "",
    status: str = "open",
    actor: Actor | None = None,
) -> str:
    """Write the findings of `unit` (default all) that the review filter shows — `severity` and `status` are
    keys of :data:`store.findings_view.SEVERITIES` / :data:`~store.findings_view.STATUSES`, `rule` a rule code
    ('' = all); by default every open finding. An actor's own unit by default; ID numbers are masked unless the actor (by default the operator's
    account) may see them, or `is_admin` says so. Returns the summary line."""
    from exports.commands import errors_command
    from exports.errors_list import ErrorsFilter
    from store import access
    from store.findings_view import SEVERITIES, STATUSES

    if actor is None and is_admin is None:
        actor = await access.actor_for(operator)
    unit, full_ids = await _export_scope(actor, unit, None)
    only = ErrorsFilter(SEVERITIES[severity], rule, STATUSES[status])
    return await errors_command(Path(out), unit, operator, full_ids if is_admin is None else is_admin, progress, only)


async def export_sample(
    month: str, out: Path, operator: str, progress: Progress | None = None, *, actor: Actor | None = None
) -> str:
    """Write the verification checklist of `month` (``YYYY-MM``; the whole county, full ID numbers: reviewers
    and admins without a unit limit); returns the summary line."""
    from exports.commands import sample_command
    from store import access

    if actor is not None:
        await access.enforce(actor, access.Action.EXPORT_SAMPLE)
        if actor.scope:
            message = "抽查表从全县抽取，含其他单位人员的完整身份证号：只有不限单位的审核员或管理员可以导出。"
            await access.log_refusal(actor, access.Action.EXPORT_SAMPLE, message)
            raise access.AccessDenied(message, actor, access.Action.EXPORT_SAMPLE)
    return await sample_command(month, Path(out), operator, progress)


async def import_sample_results(path: Path, operator: str) -> str:
    """Read a filled verification checklist back and keep its results; returns the summary line."""
    from exports.commands import sample_results_command

    return await sample_results_command(Path(path), operator)


async def export_households(
    out: Path, operator: str, unit: str = "", progress: Callable[[int], None] | None = None,
    *, actor: Actor | None = None,
) -> str:  # fmt: skip
    """Write the households of `unit` (default all; an actor's own unit) as a household file (full records:
    reviewers and admins); returns the summary line. `progress` is called with the number of households
    written so far."""
    from store import access
    from store.exporter import export_households as write_households

    unit, _ = await _export_scope(actor, unit, access.Action.EXPORT_HOUSEHOLDS)

    households, persons = await write_households(Path(out), operator=operator, unit=unit, progress=progress)
    return f"已导出 {households} 户 {persons} 人到 {out}。"


async def close_month(
    month: str, operator: str, unit: str = "", *, force: bool = False, today: dt.date | None = None,
    progress: Progress | None = None,
) -> CloseResult:  # fmt: skip
    """Close a unit's month (封账), keeping its returns; refused while villages have no sign-off unless `force`."""
    from exports.monthly import close_monthly

    return await close_monthly(month, unit, operator=operator, force=force, today=today, progress=progress)


async def reopen_month(month: str, unit: str, reason: str, operator: str) -> ClosedMonth:
    """Reopen a unit's closed month with a reason (admins; logged)."""
    from exports.request import parse_month, resolve_unit
    from store import months

    period = parse_month(month)
    scope = await resolve_unit(unit)
    return await months.reopen_month(scope.code, period.text, reason, operator)


async def sign_off_month(month: str, village: str, operator: str, real_name: str = "") -> Signoff:
    """A reviewer signs off a village's month (审核签字), recording the open errors at that time."""
    from exports.request import parse_month
    from store import months

    period = parse_month(month)
    return await months.sign_off(village.strip(), period.text, operator, real_name or operator)


async def month_history(unit: str = "") -> list[ClosedMonth]:
    """Every close of the unit's months (current and reopened), newest month first."""
    from exports.request import resolve_unit
    from store import months

    return await months.history((await resolve_unit(unit)).code)


async def month_state(unit_code: str, month: str | None = None, today: dt.date | None = None) -> MonthState:
    """The state of a unit's reporting month (default: the previous month) for the tree and the quality panel."""
    from store import months
    from store.domain.months import reporting_month

    return await months.month_state(unit_code, month or reporting_month(today or dt.date.today()))


async def villages_not_signed(unit_code: str, month: str) -> list[tuple[str, str]]:
    """(code, name) of the unit's villages without a sign-off of the month."""
    from store import months

    return await months.villages_not_signed(unit_code, month)


# --- household workflows (store.household_ops), then a re-audit of every household written ----------------


async def _audited(op: Any) -> SaveResult:
    try:
        findings = await reaudit(op.codes)
    except Exception as exc:  # the records are stored: say so, and why the findings are missing
        return SaveResult(op.records, [], f"已保存，但重新审核失败：{exc}")
    return SaveResult(op.records, findings)


async def move_member(from_code: str, key: str, to_code: str, operator: str, **options: Any) -> SaveResult:
    """Move a member to another household (:func:`store.household_ops.move_member`); the source first."""
    from store import household_ops

    return await _audited(await household_ops.move_member(from_code, key, to_code, operator=operator, **options))


async def remove_member(code: str, key: str, reason: str, operator: str, **options: Any) -> SaveResult:
    """Remove (cancel) a member with a reason (:func:`store.household_ops.remove_member`)."""
    from store import household_ops

    return await _audited(await household_ops.remove_member(code, key, reason=reason, operator=operator, **options))


async def change_householder(code: str, key: str, operator: str, **options: Any) -> SaveResult:
    """Make a member the householder, relations derived anew (:func:`store.household_ops.change_householder`)."""
    from store import household_ops

    return await _audited(await household_ops.change_householder(code, key, operator=operator, **options))


async def split_household(code: str, keys: Sequence[str], head: str, operator: str, **options: Any) -> SaveResult:
    """分户 (:func:`store.household_ops.split_household`): the new household first, then this one."""
    from store import household_ops

    op = await household_ops.split_household(code, list(keys), head, operator=operator, **options)
    return await _audited(op)


async def merge_households(from_code: str, into_code: str, operator: str, **options: Any) -> SaveResult:
    """并户 (:func:`store.household_ops.merge_households`): the household merged into first."""
    from store import household_ops

    return await _audited(await household_ops.merge_households(from_code, into_code, operator=operator, **options))


@dataclass(frozen=True)
class PersonHistory:
    """A person's timeline (历史数据): who, and everything that happened, in time order."""

    person: PersonRef
    entries: list[TimelineEntry]
    #: the actor may reverse change events (store.access REVERSE)
    may_reverse: bool = False


async def person_history(key_or_id: str, *, actor: Actor | None = None) -> PersonHistory:
    """The timeline of the person with this record key or 18-digit ID number (:mod:`store.timeline`), in the
    actor's units; ID numbers masked for those who may not see them whole. The opening is logged."""
    from store import access, service, timeline

    full_ids = actor is None or access.may(actor, access.Action.EXPORT_FULL_IDS)
    person = await timeline.find_person(key_or_id, actor=actor, full_ids=full_ids)
    entries = await timeline.person_timeline(person.id, full_ids=full_ids)
    if actor is not None:
        await service.log_view(actor.username, person.household, person.key)
    may_reverse = actor is None or access.may(actor, access.Action.REVERSE)
    return PersonHistory(person, entries, may_reverse)


async def reverse_event(person_key: str, event_id: int, reason: str, *, actor: Actor) -> Reversal:
    """Reverse a wrong change event of a person with a reason (:func:`store.reversal.reverse_event`), then
    re-audit the household (a failed re-audit leaves the reversal done)."""
    from store import reversal, scope

    done = await reversal.reverse_event(event_id, reason, actor=actor, person_key=person_key)
    code = await scope.household_of(person_key)
    if code is not None and done.restored:
        with contextlib.suppress(Exception):  # the stored findings are refreshed by the next audit then
            await reaudit([code])
    return done
