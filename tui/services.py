"""The application services the screens and the command line call: one typed function per thing a clerk does.

Each is a thin wrapper over the store (:mod:`store.service`), the audit (:mod:`checks.engine`,
:mod:`checks.confirm`, :mod:`checks.commands`) and the exports (:mod:`exports.commands`,
:mod:`store.exporter`), so that a screen never strings several of them together itself. Headless: this module
never imports Textual (tests/test_layers.py checks it). Failures the user can act on raise
:class:`store.errors.StoreError` with a Chinese message, as the layers below do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from checks.model import Finding
    from checks.runner import AuditSummary

__all__ = [
    "Progress",
    "SaveResult",
    "audit_draft",
    "check_report",
    "confirm_warning",
    "export_errors",
    "export_households",
    "export_monthly",
    "export_sample",
    "import_sample_results",
    "quality_report",
    "reaudit",
    "run_audit",
    "save_and_audit",
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


async def save_and_audit(records: Mapping[str, Any] | Sequence[Mapping[str, Any]], operator: str) -> SaveResult:
    """Store household records in one transaction (all or none; :func:`store.service.save_households`), then
    re-audit them with the households of their partners (:func:`checks.engine.reaudit_households`).

    Raises :class:`store.errors.ConflictError` when a record was changed by someone else since it was opened,
    :class:`store.errors.StoreError` when it cannot be stored. A failed re-audit does not undo the save: it is
    reported in :attr:`SaveResult.audit_error`."""
    from checks.engine import reaudit_households
    from store import service

    given = [dict(records)] if isinstance(records, Mapping) else [dict(r) for r in records]
    stored = await service.save_households(given, operator=operator)
    codes = [r["household"]["code"] for r in stored]
    try:
        findings = await reaudit_households(codes)
    except Exception as exc:  # the records are stored: say so, and why the findings are missing
        return SaveResult(stored, [], f"已保存，但重新审核失败：{exc}")
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
    person_key: str, rule: str, reason: str, operator: str, fields: Sequence[str] | None = None
) -> Finding:
    """Confirm a person's warning as correct (核实无误) with a reason; returns the now confirmed finding.
    Raises :class:`store.errors.StoreError` when the rule is not a warning, the reason is empty, or the
    person has no such warning now."""
    from checks.confirm import confirm

    return await confirm(person_key, rule, list(fields) if fields else None, reason, operator)


async def run_audit(
    as_of: dt.date | None = None, progress: Progress | None = None, today: dt.date | None = None
) -> AuditSummary:
    """Audit the whole database at `as_of` (default today) and store the findings."""
    from checks.engine import run_audit as whole_audit

    return await whole_audit(as_of, progress, today=today)


async def check_report(
    out: TextIO, as_of: dt.date | None = None, unit: str | None = None, *, as_json: bool = False,
    progress: Progress | None = None,
) -> int:  # fmt: skip
    """``renkou check``: audit the whole database and print the findings to `out`; returns the exit code."""
    from checks.commands import check_command

    return await check_command(as_of, unit, as_json, out, progress)


async def quality_report(
    out: TextIO, as_of: dt.date | None = None, *, as_json: bool = False, progress: Progress | None = None
) -> int:
    """``renkou quality``: audit, then print the quality indicators per unit to `out`; returns the exit code."""
    from checks.commands import quality_command

    return await quality_command(as_of, as_json, out, progress)


async def export_monthly(month: str, out: Path, operator: str, unit: str = "", progress: Progress | None = None) -> str:
    """Write the monthly returns of `unit` (default all) for `month` (``YYYY-MM``); returns the summary line."""
    from exports.commands import monthly_command

    return await monthly_command(month, Path(out), unit, operator, progress)


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
) -> str:
    """Write the findings of `unit` (default all) that the review filter shows — `severity` and `status` are
    keys of :data:`store.findings_view.SEVERITIES` / :data:`~store.findings_view.STATUSES`, `rule` a rule code
    ('' = all); by default every open finding. ID numbers are masked unless the operator acts as an admin
    (`is_admin`, by default decided from the operator's role). Returns the summary line."""
    from exports.commands import errors_command
    from exports.errors_list import ErrorsFilter
    from store import access
    from store.findings_view import SEVERITIES, STATUSES

    admin = (
        access.may(await access.actor_for(operator), access.Action.EXPORT_FULL_IDS) if is_admin is None else is_admin
    )
    only = ErrorsFilter(SEVERITIES[severity], rule, STATUSES[status])
    return await errors_command(Path(out), unit, operator, admin, progress, only)


async def export_sample(month: str, out: Path, operator: str, progress: Progress | None = None) -> str:
    """Write the verification checklist of `month` (``YYYY-MM``); returns the summary line."""
    from exports.commands import sample_command

    return await sample_command(month, Path(out), operator, progress)


async def import_sample_results(path: Path, operator: str) -> str:
    """Read a filled verification checklist back and keep its results; returns the summary line."""
    from exports.commands import sample_results_command

    return await sample_results_command(Path(path), operator)


async def export_households(
    out: Path, operator: str, unit: str = "", progress: Callable[[int], None] | None = None
) -> str:
    """Write the households of `unit` (default all) as a household file; returns the summary line.
    `progress` is called with the number of households written so far."""
    from store.exporter import export_households as write_households

    households, persons = await write_households(Path(out), operator=operator, unit=unit, progress=progress)
    return f"已导出 {households} 户 {persons} 人到 {out}。"
