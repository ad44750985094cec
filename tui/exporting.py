"""What the export screens share: where files go, the export kinds and their default file names, built from a
safe alphabet and always inside the chosen folder (who may see full ID numbers: `store.access`). No widgets
here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from exports.target import path_in, safe_name_part


def export_folder() -> Path:
    """Where exports go: the user's documents folder when it exists, else the current directory."""
    try:
        from platformdirs import user_documents_path

        folder = user_documents_path()
    except (ImportError, OSError):
        return Path.cwd()
    return folder if folder.is_dir() else Path.cwd()


@dataclass(frozen=True)
class ExportKind:
    """One thing the export screen writes."""

    key: str
    label: str
    suffix: str
    needs_month: bool
    takes_unit: bool
    #: the month field takes a period of the statistical year (``2026-H1``, ``2026``) instead of a month
    period: bool = False


KINDS: tuple[ExportKind, ...] = (
    ExportKind("monthly", "月报表", ".xlsx", needs_month=True, takes_unit=True),
    ExportKind("errors", "问题清单", ".xlsx", needs_month=False, takes_unit=True),
    ExportKind("sample", "抽查核实表", ".xlsx", needs_month=True, takes_unit=False),
    ExportKind("households", "户文件", ".jsonl", needs_month=False, takes_unit=True),
    ExportKind("halfyear", "半年报", ".xlsx", needs_month=True, takes_unit=True, period=True),
    ExportKind("annual", "年报", ".xlsx", needs_month=True, takes_unit=True, period=True),
)


def default_period(kind: ExportKind, month: str, start_month: int) -> str:
    """The period a period export proposes: the half year (``2026-H2``) or statistical year (``2026``) of
    the reporting `month` (on the database's statistical year, starting in `start_month`)."""
    from store.domain.periods import period_of_month

    year = period_of_month(month, start_month)
    if kind.key == "annual":
        return year.text
    return f"{year.text}-H{1 if year.months.index(month) < 6 else 2}"


def default_name(kind: ExportKind, unit_name: str, month: str, now: dt.datetime | None = None) -> str:
    """A file name that says what the file is: ``月报表-城关镇-2026-10.xlsx``, ``问题清单-城关镇-20261123-0912.xlsx``.
    The unit name and month come from the database or the clerk: only a safe alphabet of them is kept."""
    when = month if kind.needs_month else f"{now or dt.datetime.now():%Y%m%d-%H%M}"
    parts = [kind.label, safe_name_part(unit_name) if kind.takes_unit and unit_name else "",
             safe_name_part(when, "")]  # fmt: skip
    return "-".join(p for p in parts if p) + kind.suffix


def default_path(folder: Path, kind: ExportKind, unit_name: str, month: str, now: dt.datetime | None = None) -> Path:
    """Where an export goes unless the clerk says otherwise: :func:`default_name` inside `folder` (checked)."""
    return path_in(folder, default_name(kind, unit_name, month, now))


def errors_list_path(folder: Path, unit_name: str, now: dt.datetime | None = None) -> Path:
    """Where the review screen writes the errors list of a unit: inside `folder`, named from a safe alphabet."""
    stamp = f"{now or dt.datetime.now():%Y%m%d-%H%M%S}"
    return path_in(folder, f"问题清单-{safe_name_part(unit_name)}-{stamp}.xlsx")
