"""The baseline of :mod:`bench.startup_probe`: a hello-world Textual app with one label and one focused Input
(``python -m bench.hello_app``; nothing else imported, as a minimal app would)."""

from textual.app import App, ComposeResult
from textual.widgets import Input, Static


class Hello(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("你好世界")
        yield Input(placeholder="用户名")


if __name__ == "__main__":
    Hello().run()
