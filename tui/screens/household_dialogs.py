"""The dialog of the household workflows (迁往他户, 注销成员, 换户主, 分户, 并户): a few short entry lines.

``OpDialog(title, lines, fields)`` shows the explanation lines (e.g. the numbered members) and one entry
line per field; Enter moves on and on the last line answers the values (name → text), Esc answers None.
An :class:`Ask` may depend on what was typed before it: ``when`` says whether it is asked at all (a line not
asked is hidden, skipped and left out of the answer) and ``propose`` fills it while the clerk has not typed
over the proposal. Both are decided as the focus reaches the line (inline, so keys typed ahead land right).
Layout only: the household form decides what the values mean and calls the services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tui.bindings import bindings
from tui.widgets import SafeInput

__all__ = ["Ask", "OpDialog"]


@dataclass(frozen=True)
class Ask:
    """One entry line of the dialog."""

    name: str
    label: str
    width: int = 18
    value: str = ""
    restrict: str | None = None
    when: Callable[[dict[str, str]], bool] | None = None
    """Whether the line is asked, given the answers so far (None: always)."""
    propose: Callable[[dict[str, str]], str] | None = None
    """The value proposed, given the answers so far (None: `value`)."""


class AskInput(SafeInput):
    """An entry line of the dialog: Enter (and Tab) move on through the dialog, which decides the next line."""

    def advance(self) -> None:
        if self.has_focus and isinstance(self.screen, OpDialog):
            self.screen.step(self)
        else:
            super().advance()

    def action_next_field(self) -> None:
        self.advance()


class OpDialog(ModalScreen[dict[str, str] | None]):
    """A household workflow's questions; the answers as name → text (None when cancelled)."""

    DEFAULT_CSS = """
    OpDialog { align: center middle; background: $background 60%; }
    OpDialog > Vertical { width: 64; height: auto; max-height: 20; border: round $warning; padding: 0 1;
                          background: $surface; }
    .ascii OpDialog > Vertical { border: ascii $warning; }
    OpDialog .row { height: 1; }
    OpDialog .dim { color: $text-muted; }
    OpDialog #op-error { color: $error; height: auto; }
    """
    BINDINGS = bindings("dialog")

    def __init__(self, title: str, lines: list[str], asks: list[Ask]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.asks = asks

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text, style="bold"))
            for line in self.lines:
                yield Static(Text(line, no_wrap=True, overflow="ellipsis"))
            for ask in self.asks:
                field = AskInput(ask.value, advance_on_enter=True, max_length=ask.width, name=ask.name,
                                 id=f"op-{ask.name}")  # fmt: skip
                field.styles.width = ask.width + 2
                if ask.restrict:
                    field.restrict = ask.restrict
                row = Horizontal(Label(ask.label + " "), field, classes="row", id=f"op-row-{ask.name}")
                row.display = ask.when is None
                yield row
            yield Static("", id="op-error")
            yield Static("Enter 下一项／确定  Esc 取消", classes="dim")

    def on_mount(self) -> None:
        self._proposed: dict[str, str] = {ask.name: ask.value for ask in self.asks}
        fields = list(self.query(AskInput))
        if fields:
            fields[0].focus()

    def _field(self, name: str) -> AskInput:
        return self.query_one(f"#op-{name}", AskInput)

    def values(self) -> dict[str, str]:
        """The answers of the lines asked (given what is typed now)."""
        answers: dict[str, str] = {}
        for ask in self.asks:
            if ask.when is None or ask.when(answers):
                answers[ask.name] = self._field(ask.name).value.strip()
        return answers

    def step(self, field: AskInput) -> None:
        """Enter or Tab on `field`: on to the next line asked (shown, with its proposal), or answer."""
        names = [ask.name for ask in self.asks]
        answers = {
            ask.name: self._field(ask.name).value.strip() for ask in self.asks[: names.index(str(field.name)) + 1]
        }
        for ask in self.asks[names.index(str(field.name)) + 1 :]:
            asked = ask.when is None or ask.when(answers)
            self.query_one(f"#op-row-{ask.name}").display = asked
            if not asked:
                continue
            line = self._field(ask.name)
            if ask.propose is not None and line.value.strip() in ("", self._proposed.get(ask.name, "")):
                line.value = self._proposed[ask.name] = ask.propose(answers)
                line.cursor_position = len(line.value)
            self.set_focus(line)
            return
        self.dismiss(self.values())

    def show_error(self, message: str) -> None:
        """Tell what is wrong; the dialog stays open."""
        self.query_one("#op-error", Static).update(Text(message))

    def on_input_submitted(self, event: SafeInput.Submitted) -> None:
        event.stop()  # the lines move on by themselves (AskInput.advance)

    def action_cancel(self) -> None:
        self.dismiss(None)
