"""IdField: an 18-character resident ID number checked the moment it is complete (GB 11643)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from textual.message import Message

from store import idnumber
from store.domain.idcheck import EARLIEST_BIRTH
from tui.widgets.field import CommitResult, Field
from tui.widgets.parsing import IdCheck, IdState, check_id

__all__ = ["IdField"]


class IdField(Field):
    """An ID-number field (design §2).

    The 18th character is checked at once: a valid number shows ✓, posts :class:`IdField.Parsed` (sex and
    birth date, for the form to fill) and moves on; a wrong one stays with the message beside it
    (``✗ 校验位应为 7，现为 0``). A 15-digit legacy number is accepted on Enter (also posting ``Parsed``,
    with ``legacy=True``); a placeholder number (all zeros, ``000000`` + date + ``0000``) is accepted as
    "no ID". Lower-case ``x`` and full-width digits are made ``X`` and half-width as they are typed.
    """

    input_width: ClassVar[int] = 18
    caption = "身份证号"

    @dataclass
    class Changed(Message):
        """The number or its check changed (``state`` as in :class:`tui.widgets.parsing.IdCheck`)."""

        field: IdField
        number: str
        state: IdState
        message: str

        @property
        def control(self) -> IdField:
            return self.field

    @dataclass
    class Parsed(Message):
        """A valid number was entered: the sex code (1 男 / 2 女) and birth date it carries."""

        field: IdField
        number: str
        sex: str
        birth_date: date
        legacy: bool = False

        @property
        def control(self) -> IdField:
            return self.field

    def __init__(
        self,
        value: str = "",
        *,
        today: date | None = None,
        advance_on_enter: bool = True,
        placeholder: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        caption: str | None = None,
    ) -> None:
        super().__init__(value, advance_on_enter=advance_on_enter, placeholder=placeholder, name=name, id=id,
                         classes=classes, disabled=disabled, caption=caption)  # fmt: skip
        self.input.restrict = r"[0-9X]*"
        self.today = today
        self.earliest: date = EARLIEST_BIRTH  # the earliest birth date a number may carry (id_min_birth)
        self._check = check_id("")
        self._reported: tuple[str, IdState, str] = ("", "empty", "")

    @property
    def check(self) -> IdCheck:
        """The latest check of the text."""
        return self._check

    @property
    def sex(self) -> str | None:
        """Sex code from an accepted number."""
        return self._check.sex if self._check.state in ("ok", "legacy") else None

    @property
    def birth_date(self) -> date | None:
        """Birth date from an accepted number."""
        return self._check.birth_date if self._check.state in ("ok", "legacy") else None

    def normalize_insert(self, text: str) -> str:
        return idnumber.normalize(text)

    def _show(self, check: IdCheck) -> None:
        self._check = check
        self.error = check.message if check.state == "error" else None
        self.warning = check.message if check.state in ("legacy", "placeholder") else None
        if check.state == "ok":
            self.set_status("ok", "✓")
        elif check.state == "error":
            self.set_status("error", f"✗ {check.message}", check.message)
        elif check.state == "legacy":
            self.set_status("warning", "旧15位", check.message)
        elif check.state == "placeholder":
            self.set_status("warning", "占位", check.message)
        else:
            self.set_status("")
        report = (check.number, check.state, check.message)
        if report != self._reported:
            self._reported = report
            self.post_change(self.Changed(self, *report))

    def _parsed(self, check: IdCheck) -> None:
        if check.sex is not None and check.birth_date is not None:
            self.post_message(self.Parsed(self, check.number, check.sex, check.birth_date, check.state == "legacy"))

    def _refresh_value(self, text: str) -> None:
        self._show(check_id(text, final=True, today=self.today, earliest=self.earliest))

    def _typed(self, text: str) -> None:
        check = check_id(text, today=self.today, earliest=self.earliest)
        self._show(check)
        if len(check.number) == 18 and check.accepted:
            self._parsed(check)
            self.input.advance()

    def _entered(self) -> None:
        check = check_id(self.input.value, final=True, today=self.today, earliest=self.earliest)
        self._show(check)
        if check.accepted:
            self._parsed(check)
            super()._entered()

    def commit(self) -> CommitResult:
        """Take the number shown (a 15-digit legacy or placeholder number too); a wrong one is refused."""
        check = check_id(self.input.value, final=True, today=self.today, earliest=self.earliest)
        self._show(check)
        if check.state == "error":
            return CommitResult(self, None, self.named(check.message))
        return CommitResult(self, check.number or None)
