"""Small modal dialogs of the entry forms: a question with lettered choices, and the reason of 核实无误."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tui.bindings import bindings
from tui.widgets import SafeInput

__all__ = ["ChoiceDialog", "ReasonDialog"]

_CSS = """
{name} {{ align: center middle; background: $background 60%; }}
{name} > Vertical {{ width: 60; height: auto; border: round $warning; padding: 0 1; background: $surface; }}
.ascii {name} > Vertical {{ border: ascii $warning; }}
{name} .row {{ height: 1; }}
{name} SafeInput {{ width: 1fr; }}
{name} .dim {{ color: $text-muted; }}
"""


class ChoiceDialog(ModalScreen[str | None]):
    """A question with choices picked by one key each (``[("s", "保存"), ("d", "放弃修改"), ("c", "继续编辑")]``).

    Enter takes `default` (the first choice unless given: a question whose answer could lose or store
    something names its safe choice), Esc returns `cancel` (None unless given; `cancel_label` names what Esc
    does when `cancel` is not one of the choices). The default choice is shown highlighted."""

    SCOPED_CSS = False
    DEFAULT_CSS = _CSS.format(name="ChoiceDialog")
    BINDINGS = bindings("dialog")

    def __init__(self, question: str, choices: list[tuple[str, str]], *, cancel: str | None = None,
                 default: str | None = None, cancel_label: str = "取消") -> None:  # fmt: skip
        super().__init__()
        self.question = question
        self.choices = choices
        self.cancel = cancel
        self.default = default if default is not None else choices[0][0]
        labels = dict(choices)
        self.cancel_label = labels.get(cancel, cancel_label) if cancel is not None else cancel_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question, style="bold"), id="choice-question")
            keys = Text()
            for n, (key, label) in enumerate(self.choices):
                keys.append("  " if n else "")
                style = "reverse" if key == self.default else ""
                keys.append(f"{key.upper()}", style=f"bold {style}".strip())
                keys.append(label, style=style)
            yield Static(keys, id="choice-keys")
            labels = dict(self.choices)
            yield Static(f"Enter：{labels[self.default]}    Esc：{self.cancel_label}", classes="dim", markup=False)

    def on_key(self, event: events.Key) -> None:
        for key, _ in self.choices:
            if event.key == key or event.character in (key, key.upper()):
                event.stop()
                self.dismiss(key)
                return
        if event.key == "enter":
            event.stop()
            self.dismiss(self.default)

    def action_cancel(self) -> None:
        self.dismiss(self.cancel)


class ReasonDialog(ModalScreen[str | None]):
    """Ask for a reason — of 核实无误 for one warning (pre-filled), of reopening a closed month — (Enter
    confirms, Esc cancels; an empty reason is refused with `missing`)."""

    SCOPED_CSS = False
    DEFAULT_CSS = _CSS.format(name="ReasonDialog")
    BINDINGS = bindings("dialog")

    def __init__(self, title: str, message: str, reason: str = "经核实无误", *,
                 missing: str = "请填写核实无误的理由。") -> None:  # fmt: skip
        super().__init__()
        self.title_text = title
        self.message = message
        self.reason = reason
        self.missing = missing

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text, style="bold"))
            yield Static(self.message, markup=False)
            with Horizontal(classes="row"):
                yield Label("理由 ")
                yield SafeInput(self.reason, id="reason")
            yield Static("", id="reason-error")
            yield Static("Enter确定  Esc取消", classes="dim")

    def on_mount(self) -> None:
        self.query_one(SafeInput).focus()

    def on_input_submitted(self, event: SafeInput.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.query_one("#reason-error", Static).update(self.missing)
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
