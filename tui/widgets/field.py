"""Field: the shared frame of the entry fields — a SafeInput and a one-line status beside it.

Typing is handled in the input's own task (``FieldInput`` calls back into its field synchronously), so
validation, the status text and auto-advance happen in key order: a key typed ahead after the last
character of a date lands in the next field, never in the full one.

Committing: Enter, Tab / leaving the field and a save (:func:`commit_fields`) all make the field take what it
shows (:meth:`Field.commit`): a code typed by initials becomes the one candidate shown, a complete typed date
is taken; what cannot be taken is refused with a Chinese message naming the field (:attr:`Field.caption`),
never replaced by an older value.

Moving on by itself (auto-advance) is the same rule for every fixed-length field: a date at 8 digits (or
year-month-day with a two-digit day), a code once it is typed in full and no longer code starts with it,
an ID number at 18 characters — and only when the value is acceptable: a wrong one stays, with its message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.widgets.input import Selection

from tui.widgets.safe_input import SafeInput

__all__ = ["ENTRY_HELP", "CommitResult", "Field", "FieldInput", "StatusKind", "commit_fields"]

#: the F1 help of the rules above, for the screens with entry fields (their ``HELP`` ends with it)
ENTRY_HELP = """\
自动跳到下一项：日期输满 8 位（或年-月-日且日为两位），代码输全且没有
更长的代码，身份证号输满 18 位；内容有误时停在本项。其余按 Enter。
Enter、Tab、离开一项和 F2 保存时，各项按显示的内容确认：首字母只剩
一个候选即取它，日期取输入的日期；候选不止一个、日期不全或不存在时
不保存，并提示是哪一项。"""

StatusKind = Literal["", "ok", "warning", "error", "hint"]


@dataclass(frozen=True)
class CommitResult:
    """What a field took on commit: its ``value`` (None when empty), or ``message`` (Chinese, naming the field)
    saying why it could not take what it shows."""

    field: Field | None = None
    value: Any = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.message is None


def commit_fields(fields: Iterable[object]) -> CommitResult:
    """Commit every :class:`Field` among `fields` (other widgets hold plain text: nothing to commit); the first
    refusal, or an ok result. The one call a screen's save action makes before it reads the fields."""
    for field in fields:
        if isinstance(field, Field) and field.is_mounted:
            result = field.commit()
            if not result.ok:
                return result
    return CommitResult()


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
        self.field.commit()


class Field(Widget):
    """An entry field: ``FieldInput`` + status. Subclasses implement ``_typed``, ``_entered``, ``commit``.

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

    caption: str = ""
    """The field's name in messages (``死亡日期``); set by the screen from its label."""

    @dataclass
    class Submitted(Message):
        """Enter was pressed with acceptable text (posted before focus moves on). A field that does not move on
        with Enter holds the keys behind it until the screen calls :meth:`Field.release_enter`."""

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
        caption: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if caption is not None:
            self.caption = caption
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
        if not self.advance_on_enter:
            self.input.hold_enter()
        self.post_message(self.Submitted(self))
        self._advance_on_enter()

    def commit(self) -> CommitResult:
        """Take what the field shows (Enter, leaving the field, a save): its value, or why it cannot be taken.
        Default: the text itself (None when blank)."""
        return CommitResult(self, self.value.strip() or None)

    def release_enter(self) -> None:
        """The screen handled this field's Enter: keys held behind it go on."""
        self.input.release_enter()

    # --- helpers -----------------------------------------------------------------------------------

    def named(self, message: str) -> str:
        """`message` with the field's caption in front (unless it already starts with it)."""
        if not self.caption or message.startswith(self.caption):
            return message
        return f"{self.caption}：{message}"

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
