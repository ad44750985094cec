"""Everything the monthly workbook shows, as plain data (built by :mod:`exports.monthly`, drawn by
:mod:`exports.monthly_writer`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from exports.consistency import Violation
from exports.monthly_data import ChangeRow
from exports.monthly_figures import SharedFigures
from exports.monthly_tables import Table
from exports.quality_source import QualitySheet
from exports.request import Month, Unit


class Printed(Protocol):
    """What the shared sheets of the returns (`exports.monthly_writer`) read: a monthly or a period workbook."""

    @property
    def unit(self) -> Unit: ...
    @property
    def month(self) -> Any: ...  # a Month or a period's span: first, last, label
    @property
    def generated_at(self) -> dt.datetime: ...
    @property
    def changes(self) -> tuple[ChangeRow, ...]: ...
    @property
    def prepared_by(self) -> str: ...
    def title(self, what: str) -> str: ...


@dataclass(frozen=True)
class Closing:
    """When and by whom the month was closed (封账), and the SHA-256 of the figures kept then."""

    closed_at: dt.datetime
    closed_by: str
    digest: str
    #: set when the month was closed for a unit containing this one: that unit, e.g. ``城关镇（430426101）``
    within: str = ""


@dataclass(frozen=True)
class MonthlyReturns:
    """The content of one monthly workbook."""

    unit: Unit
    month: Month
    generated_at: dt.datetime
    operator: str
    tables: tuple[Table, ...]
    violations: tuple[Violation, ...]
    changes: tuple[ChangeRow, ...]
    quality: QualitySheet
    open_errors: int
    #: the quantities several sheets show, defined once (married WCBA, logic errors, 期末人口)
    figures: SharedFigures = field(default_factory=lambda: SharedFigures({}, {}, {}))
    #: the real name of the operator (``app_user.real_name``), printed under 制表; the login when unknown
    preparer: str = ""
    persons: int = 0
    no_entry_date: int = 0
    left_out: int = 0
    #: villages sharing a name, each line naming their townships and codes
    same_names: tuple[str, ...] = ()
    #: the 审核人 lines: each village's sign-off (审核签字) of the month, or that it has none
    signoffs: tuple[str, ...] = ()
    #: set when the workbook is drawn from the figures kept when the month was closed
    closed: Closing | None = None

    @property
    def prepared_by(self) -> str:
        """Who is printed under 制表 and 生成人: the real name, else the login."""
        return self.preparer or self.operator

    def title(self, what: str) -> str:
        """A sheet title such as ``城关镇 2026年10月 人口变动情况``."""
        return f"{self.unit.name} {self.month.label} {what}"


@dataclass(frozen=True)
class Summary:
    """What an export wrote, for the command's one-line summary."""

    path: Path
    sheets: int
    rows: int
    label: str = ""
    villages: int = 0
    violations: int = 0
    cells: int = 0
    details: dict[str, int] = field(default_factory=dict)
