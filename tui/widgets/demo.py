"""Try the entry widgets in a terminal: ``python -m tui.widgets.demo`` (Ctrl+Q quits).

A few rows of the person form (docs/spec/screens.md) built from the widgets alone, with the messages they post
shown at the bottom — handy for checking a terminal (PuTTY, 16 colours, IME) by hand.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Label, Static

from tui.widgets import CodeField, DateField, Field, IdField, SafeInput


class WidgetDemo(App[None]):
    """Name, ID, sex, birth date, ethnicity, marriage date; messages listed below."""

    CSS = """
    Horizontal { height: 1; }
    Label { width: 9; }
    .gap { width: 3; }
    #log { height: 1fr; border-top: solid $secondary; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("姓名")
            yield SafeInput(id="name", advance_on_enter=True, classes="name")
        with Horizontal():
            yield Label("身份证号")
            yield IdField(id="id_number")
        with Horizontal():
            yield Label("性别")
            yield CodeField("sex", id="sex")
            yield Label(" 出生日期")
            yield DateField(id="birth_date", future="error")
        with Horizontal():
            yield Label("民族")
            yield CodeField("ethnicity", id="ethnicity")
            yield Label("婚姻状况")
            yield CodeField("marital_status", id="marital_status")
        with Horizontal():
            yield Label("初婚日期")
            yield DateField(id="first_marriage_date", advance_on_enter=False)
        yield Static("", id="log")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#name").styles.width = 13
        self._lines: list[str] = []

    def _log(self, text: str) -> None:
        self._lines = [*self._lines[-12:], text]
        self.query_one("#log", Static).update("\n".join(self._lines))

    def on_id_field_parsed(self, message: IdField.Parsed) -> None:
        self.query_one("#sex", CodeField).code = message.sex
        self.query_one("#birth_date", DateField).value_date = message.birth_date
        self._log(f"IdField.Parsed 性别 {message.sex} 出生 {message.birth_date} 旧号 {message.legacy}")

    def on_date_field_changed(self, message: DateField.Changed) -> None:
        self._log(
            f"DateField.Changed #{message.field.id} {message.value_date} {message.error or message.warning or ''}"
        )

    def on_code_field_changed(self, message: CodeField.Changed) -> None:
        self._log(f"CodeField.Changed #{message.field.id} {message.code} {message.label}")

    def on_field_submitted(self, message: Field.Submitted) -> None:
        self._log(f"Submitted #{message.field.id}")


if __name__ == "__main__":
    WidgetDemo().run()
