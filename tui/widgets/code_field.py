"""CodeField: a field bound to a code table — the code, pinyin initials or the label itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.actions import SkipAction
from textual.binding import BindingType
from textual.message import Message

from store.codes import TABLES, CodeTable
from tui.bindings import bindings
from tui.widgets.field import CommitResult, Field, FieldInput
from tui.widgets.parsing import lookup_code, normalize_typed

__all__ = ["CodeField"]


class CodeInput(FieldInput):
    """Down/Up choose among the candidates while several are offered; otherwise Up goes back."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("code")

    def action_next_candidate(self) -> None:
        if not self.field._cycle(1):  # type: ignore[attr-defined]
            raise SkipAction()

    def action_up(self) -> None:
        if not self.field._cycle(-1):  # type: ignore[attr-defined]
            super().action_up()


class CodeField(Field):
    """A code-table field (design §2): ``01``, ``hz`` or ``汉`` → ``01`` with ``汉族`` shown beside it.

    While typing, the status shows the label of a complete code, or the candidates (best first, the one
    Enter takes highlighted; Down/Up choose another). A full code that no longer code starts with moves to
    the next field at once; initials and labels need Enter, which puts the code in the field. ``code`` is
    the committed code (None while the text names none); :class:`CodeField.Changed` reports each change.
    :meth:`commit` (leaving the field, a save) takes the code named or the one candidate shown; several
    candidates or none are refused with a message naming the field (``婚姻未选定：s（…）``).
    """

    input_width: ClassVar[int] = 2
    max_chars: ClassVar[int | None] = 8
    input_class = CodeInput

    DEFAULT_CSS = """
    CodeField > .field--status { width: 17; }
    """
    hint_cells: ClassVar[int] = 16
    """Cells of the label / candidate hint beside the input (fixed, so typing repaints only that strip)."""

    @dataclass
    class Changed(Message):
        """The committed code changed (None: empty, or text that names no code)."""

        field: CodeField
        code: str | None
        label: str

        @property
        def control(self) -> CodeField:
            return self.field

    def __init__(
        self,
        table: CodeTable | str,
        code: str | None = None,
        *,
        advance_on_enter: bool = True,
        placeholder: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        caption: str | None = None,
    ) -> None:
        self.table = TABLES[table] if isinstance(table, str) else table
        self.input_width = max(type(self).input_width, self.table.width)  # type: ignore[misc]
        self.max_chars = max(8, *(len(c.code) for c in self.table.codes))  # type: ignore[misc]
        super().__init__(code or "", advance_on_enter=advance_on_enter, placeholder=placeholder, name=name, id=id,
                         classes=classes, disabled=disabled, caption=caption or self.table.title)  # fmt: skip
        self._lookup = lookup_code(self.table, "")
        self._pick = 0
        self._chosen = False
        """The clerk moved the highlight (↓ ↑): leaving the field or saving takes that candidate."""
        self._code: str | None = None

    @property
    def code(self) -> str | None:
        """The committed code, or None."""
        return self._code

    @code.setter
    def code(self, code: str | None) -> None:
        self.value = code or ""

    @property
    def label(self) -> str:
        """Label of the committed code ('' when none)."""
        return self.table.label(self._code) if self._code else ""

    @property
    def candidates(self) -> tuple[str, ...]:
        """Codes currently offered, best first."""
        return tuple(c.code for c in self._lookup.candidates)

    def normalize_insert(self, text: str) -> str:
        return normalize_typed(text).lower() if text.isascii() or not text.isalpha() else text

    # --- showing -----------------------------------------------------------------------------------

    def _hint(self) -> Text:
        """Candidates as ``01汉族 03回族 …`` with the pick in reverse video, fitted to the status width."""
        room = (self.status.size.width or self.hint_cells + 1) - 1
        items = [f"{c.code}{c.short}" for c in self._lookup.candidates]
        start = 0
        if sum(cell_len(item) + 1 for item in items[: self._pick + 1]) > room:
            start = self._pick  # keep the highlighted candidate in view
        text = Text("…" if start else "", no_wrap=True, end="")
        for index in range(start, len(items)):
            item = items[index]
            if text.cell_len + cell_len(item) + (1 if index > start else 0) > room - 1 and index > start:
                text.append("…")
                break
            if index > start:
                text.append(" ")
            text.append(item, "reverse" if index == self._pick else "")
        return text

    def _show(self, *, typing: bool) -> None:
        lookup = self._lookup
        self.error = None
        if not lookup.text:
            self.set_status("")
        elif lookup.code is not None and (not typing or len(lookup.candidates) <= 1 or lookup.complete):
            self.set_status("ok", self.table.label(lookup.code))
        elif lookup.candidates:
            if not typing and lookup.code is None:
                self.error = f"{self.caption}未选定：{lookup.text}（Enter 取高亮的一项，或输入代码）"
            self.set_status("hint", self._hint(), self.error)
        else:
            self.error = f"{self.caption}代码无效：{lookup.text}"
            self.set_status("error", "✗ 无此代码", self.error)
        self._set_code(lookup.code)

    def _set_code(self, code: str | None) -> None:
        if code != self._code:
            self._code = code
            self.post_change(self.Changed(self, code, self.table.label(code) if code else ""))

    def _cycle(self, step: int) -> bool:
        """Move the highlighted candidate; False when there is nothing to choose among."""
        count = len(self._lookup.candidates)
        if count <= 1 or self._lookup.complete:
            return False
        self._pick = (self._pick + step) % count
        self._chosen = True
        self.set_status("hint", self._hint())
        return True

    def _commit(self, code: str) -> None:
        """Put ``code`` in the field and show its label."""
        self.input.value = code
        self.input.cursor_position = len(code)
        self._lookup = lookup_code(self.table, code)
        self._pick, self._chosen = 0, False
        self._show(typing=False)

    # --- hooks -------------------------------------------------------------------------------------

    def _refresh_value(self, text: str) -> None:
        self._lookup = lookup_code(self.table, text)
        self._pick, self._chosen = 0, False
        self._show(typing=False)

    def _typed(self, text: str) -> None:
        self._lookup = lookup_code(self.table, text)
        self._pick, self._chosen = 0, False
        self._show(typing=True)
        if self._lookup.complete:
            self.input.advance()

    def _entered(self) -> None:
        lookup = self._lookup
        if not lookup.text:
            super()._entered()
            return
        if not lookup.candidates:
            self._show(typing=False)
            return
        self._commit(lookup.candidates[self._pick].code)
        super()._entered()

    def commit(self) -> CommitResult:
        """Take the code named, or the one candidate shown (``so`` → 30 丧偶); refuse several or none."""
        lookup = self._lookup
        if lookup.text != self.input.value:  # (never expected: the lookup follows every change of the text)
            lookup = self._lookup = lookup_code(self.table, self.input.value)
            self._pick, self._chosen = 0, False
        if lookup.code is None and (len(lookup.candidates) == 1 or (lookup.candidates and self._chosen)):
            self._commit(lookup.candidates[self._pick if self._chosen else 0].code)
        elif lookup.code is not None and lookup.code != normalize_typed(self.input.value).lower():
            self._commit(lookup.code)
        else:
            self._show(typing=False)
        if self.error is not None:
            return CommitResult(self, None, self.error)
        return CommitResult(self, self._code)
