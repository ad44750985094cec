"""Field: the shared frame of the entry fields — a SafeInput and a one-line status beside it.

Typing is handled in the input's own task (``FieldInput`` calls back into its field synchronously), so
validation, the status text and auto-advance happen in key order: a key typed ahead after the last
character of a date lands in the next field, never in the full one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.widgets.input import Selection

from tui.widgets.safe_input import SafeInput

__all__ = ["Field", "FieldInput", "StatusKind"]

StatusKind = Literal["", "ok", "warning", "error", "hint"]


class FieldInput(SafeInput):
    """The input inside a :class:`Field`: typing, Enter and leaving are reported to the field at once."""

    def __init__(self, field: Field, value: str, **kwargs: object) -> None:
        super().__init__(value, up_goes_back=True, **kwargs)  # type: ignore[arg-type]
        self.field = field

    def normalize_insert(self, text: str) -> str:
        return self.field.normalize_insert(text)

    def replace(self, text: str, start: int, end: int) -> None:
        before = self.value
        super().replace(text, start, end)
        if self.value != before:
            self.field._typed(self.value)

    async def action_submit(self) -> None:
        self.field._entered()

    def _on_blur(self) -> None:
        self.field._left()


class Field(Widget):
    """An entry field: ``FieldInput`` + status. Subclasses implement ``_typed``, ``_entered``, ``_left``.

    ``advance_on_enter``: Enter (when the text is acceptable) moves to the next field, as the clerk's
    keyboard wants (design §2); set it False on the last field of a form and handle ``Field.Submitted``.
    """

    DEFAULT_CSS = """
    Field {
        layout: horizontal;
        width: auto;
        height: 1;
        & > FieldInput { width: 11; }
        & > .field--status { width: auto; height: 1; padding: 0 0 0 1; }
        & > .field--ok { color: $success; }
        & > .field--hint { color: $text-muted; }
        & > .field--warning { color: $warning; }
        & > .field--error { color: $error; }
        &.-error > FieldInput { background-tint: $error 20%; }
        &:ansi {
            & > .field--ok { color: ansi_green; }
            & > .field--hint { color: ansi_default; text-style: dim; }
            & > .field--warning { color: ansi_yellow; }
            & > .field--error { color: ansi_bright_red; }
            &.-error > FieldInput { background: ansi_red; color: ansi_bright_white; }
        }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"field--ok", "field--hint", "field--warning", "field--error"}
    """Colours of the status text by kind (no CSS class changes while typing: those restyle the field)."""

    input_width: ClassVar[int] = 10
    """Cells the input shows (its width is one more, for the cursor)."""
    max_chars: ClassVar[int | None] = None
    """Characters the input accepts (None: ``input_width``)."""
    input_class: ClassVar[type[FieldInput]] = FieldInput

    @dataclass
    class Submitted(Message):
        """Enter was pressed with acceptable text (posted before focus moves on)."""

        field: Field

        @property
        def control(self) -> Field:
            return self.field

    def __init__(
        self,
        value: str = "",
        *,
        advance_on_enter: bool = True,
        placeholder: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.advance_on_enter = advance_on_enter
        self.error: str | None = None
        """The Chinese message of what is wrong with the text, or None."""
        self.warning: str | None = None
        """A message for a value that is accepted but deserves a second look, or None."""
        self._status_kind: StatusKind = ""
        self._status_key: tuple[str, str, str] = ("", "", "[]")
        self._status_cells = 0
        self._quiet = False
        self.input = self.input_class(
            self, value, placeholder=placeholder, max_length=self.max_chars or self.input_width
        )
        self.status = Static("", classes="field--status", markup=False)

    def compose(self) -> ComposeResult:
        self.input.styles.width = self.input_width + 1
        yield self.input
        yield self.status

    def on_mount(self) -> None:
        if self.input.value:
            self._quiet = True  # the value it was built with is not a change
            try:
                self._refresh_value(self.input.value)
            finally:
                self._quiet = False

    def focus(self, scroll_visible: bool = True) -> Field:
        """Focus the input inside."""
        self.input.focus(scroll_visible)
        return self

    @property
    def value(self) -> str:
        """The text in the field."""
        return self.input.value

    @value.setter
    def value(self, text: str) -> None:
        """Set the text (from code: shown with its status, never advancing); selected when focused, so
        typing replaces it."""
        self.input.value = text
        if not self.is_mounted:
            return  # on_mount shows the status
        self._refresh_value(text)
        size = len(self.input.value)
        self.input.selection = Selection(0, size) if self.input.has_focus else Selection.cursor(size)

    # --- hooks for subclasses ------------------------------------------------------------------------

    def normalize_insert(self, text: str) -> str:
        """Typed or pasted text as inserted (default: unchanged)."""
        return text

    def _refresh_value(self, text: str) -> None:
        """The value was set by code (not typed): show its status, never advance."""

    def _typed(self, text: str) -> None:
        """The clerk changed the text (called in the input's task, in key order)."""

    def _entered(self) -> None:
        """Enter: accept (post Submitted, advance) or show what is wrong."""
        self.post_message(self.Submitted(self))
        self._advance_on_enter()

    def _left(self) -> None:
        """Focus left the field."""

    # --- helpers -----------------------------------------------------------------------------------

    def post_change(self, message: Message) -> None:
        """Post a change message (not for the value the field was built with)."""
        if not self._quiet:
            self.post_message(message)

    def _advance_on_enter(self) -> None:
        if self.advance_on_enter:
            self.input.advance()

    def set_status(self, kind: StatusKind, text: str | Text = "", tooltip: str | None = None) -> None:
        """Show ``text`` beside the input, coloured by ``kind`` (repaints only what changed).

        The field carries the class ``-error`` / ``-warning`` while in that state.
        """
        if kind != self._status_kind:
            for name in ("warning", "error"):
                self.set_class(kind == name, f"-{name}")
            self._status_kind = kind
        shown = Text(text, no_wrap=True, end="") if isinstance(text, str) else text.copy()
        if kind:
            shown.stylize_before(self.get_component_rich_style(f"field--{kind}", partial=True))
        key = (kind, shown.plain, repr(shown.spans))
        if key != self._status_key:
            width = self.status.styles.width
            fixed = width is not None and not width.is_auto
            self._status_key = key
            self.status.update(shown, layout=not fixed and shown.cell_len != self._status_cells)  # else repaint
            self._status_cells = shown.cell_len
        if self.tooltip != tooltip:
            self.tooltip = tooltip
