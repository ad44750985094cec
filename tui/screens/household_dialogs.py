"""The dialog of the household workflows (迁往他户, 注销成员, 换户主, 分户, 并户): a few short entry lines.

``OpDialog(title, lines, fields)`` shows the explanation lines (e.g. the numbered members) and one entry
line per field; Enter moves on and on the last line answers the values (name → text), Esc answers None.
Layout only: the household form decides what the values mean and calls the services.
"""

from __future__ import annotations

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
            for n, ask in enumerate(self.asks):
                field = SafeInput(ask.value, advance_on_enter=n < len(self.asks) - 1, max_length=ask.width,
                                  name=ask.name, id=f"op-{ask.name}")  # fmt: skip
                field.styles.width = ask.width + 2
                if ask.restrict:
                    field.restrict = ask.restrict
                yield Horizontal(Label(ask.label + " "), field, classes="row")
            yield Static("", id="op-error")
            yield Static("Enter 下一项／确定  Esc 取消", classes="dim")

    def on_mount(self) -> None:
        fields = list(self.query(SafeInput))
        if fields:
            fields[0].focus()

    def show_error(self, message: str) -> None:
        """Tell what is wrong; the dialog stays open."""
        self.query_one("#op-error", Static).update(Text(message))

    def on_input_submitted(self, event: SafeInput.Submitted) -> None:
        event.stop()
        if self.asks and event.input.name == self.asks[-1].name:
            self.dismiss({str(f.name): f.value.strip() for f in self.query(SafeInput)})

    def action_cancel(self) -> None:
        self.dismiss(None)
