"""DateField: ``19850312``, ``1985-3-12``, ``1985.3.12``, ``850312`` → a date; impossible dates refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from textual.message import Message

from tui.widgets.field import CommitResult, Field
from tui.widgets.parsing import EARLIEST_DATE, DateParse, FuturePolicy, normalize_typed, parse_date

__all__ = ["DateField"]


class DateField(Field):
    """A date entry field (design §2).

    Moves to the next field by itself once a full date is typed (8 digits, or year-month-day with a
    two-digit day); a 6-digit ``YYMMDD`` or a one-digit day needs Enter. An impossible date keeps the
    typed text, stays in the field and shows ``日期不存在：1985-02-30，请核对`` (also in :attr:`error`
    and the posted :class:`DateField.Changed`). A date after today is a warning by default
    (``future="warn"``); ``future="error"`` refuses it, ``"allow"`` accepts it silently.
    Accepted dates are shown as ``YYYY-MM-DD`` once the field is left. :meth:`commit` (Enter, leaving, a save)
    takes a complete typed date, ``YYMMDD`` included; an incomplete or impossible one is refused, naming the
    field (``死亡日期：日期位数不对：2611，…``).
    """

    DEFAULT_CSS = """
    DateField > .field--status { width: 2; }
    """

    input_width: ClassVar[int] = 10
    caption = "日期"

    @dataclass
    class Changed(Message):
        """The date (or its error) changed: ``value_date`` is None for empty, partial or wrong text."""

        field: DateField
        value_date: date | None
        error: str | None
        warning: str | None

        @property
        def control(self) -> DateField:
            return self.field

    def __init__(
        self,
        value: date | str | None = None,
        *,
        future: FuturePolicy = "warn",
        earliest: date | None = EARLIEST_DATE,
        today: date | None = None,
        advance_on_enter: bool = True,
        placeholder: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        caption: str | None = None,
    ) -> None:
        text = value.isoformat() if isinstance(value, date) else (value or "")
        super().__init__(text, advance_on_enter=advance_on_enter, placeholder=placeholder, name=name, id=id,
                         classes=classes, disabled=disabled, caption=caption)  # fmt: skip
        self.input.restrict = r"[0-9./\-年月日号]*"
        self.future: FuturePolicy = future
        self.earliest = earliest
        self.today = today
        """Fixed 'today' for the two-digit-year and future rules (None: the real date each time)."""
        self._value_date: date | None = None
        self._reported: tuple[date | None, str | None, str | None] = (None, None, None)

    @property
    def value_date(self) -> date | None:
        """The date typed, or None while empty, partial or wrong."""
        return self._value_date

    @value_date.setter
    def value_date(self, value: date | None) -> None:
        self.value = value.isoformat() if value else ""

    def normalize_insert(self, text: str) -> str:
        return normalize_typed(text)

    def _parse(self, text: str, final: bool) -> DateParse:
        return parse_date(text, today=self.today, final=final, future=self.future, earliest=self.earliest)

    def _show(self, result: DateParse) -> None:
        """Status, attributes and the Changed message for a parse result."""
        self._value_date = result.value
        self.error, self.warning = result.error, result.warning
        if result.error:
            self.set_status("error", "✗", result.error)
        elif result.warning:
            self.set_status("warning", "!", result.warning)
        else:
            self.set_status("")
        report = (result.value, result.error, result.warning)
        if report != self._reported:
            self._reported = report
            self.post_change(self.Changed(self, *report))

    def _commit(self, result: DateParse) -> None:
        """Show an accepted date as ``YYYY-MM-DD``."""
        if result.value is not None and self.input.value != result.value.isoformat():
            self.input.value = result.value.isoformat()

    def _refresh_value(self, text: str) -> None:
        result = self._parse(text, final=True)
        self._show(result)
        self._commit(result)

    def _typed(self, text: str) -> None:
        result = self._parse(text, final=False)
        self._show(result)
        if result.complete and result.value is not None:
            self._commit(result)
            self.input.advance()

    def _entered(self) -> None:
        result = self._parse(self.input.value, final=True)
        self._show(result)
        if result.error is None and not result.partial:
            self._commit(result)
            super()._entered()

    def commit(self) -> CommitResult:
        result = self._parse(self.input.value, final=True)
        self._show(result)
        if result.error is not None:
            return CommitResult(self, None, self.named(result.error))
        self._commit(result)
        return CommitResult(self, result.value)
