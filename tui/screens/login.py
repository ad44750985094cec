"""Login with a real-name account (shown when the database has accounts; a demo database's is demo / demo)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from store import users
from store.errors import StoreError
from tui.bindings import bindings
from tui.widgets import SafeInput


class LoginScreen(Screen[str | None]):
    """用户名 and 密码; Enter moves on and logs in, Esc quits."""

    BINDINGS = bindings("login")

    def __init__(self, hint: str = "") -> None:
        super().__init__()
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static("[b]人口信息  登录[/b]\n")
            if self.hint:
                yield Static(self.hint + "\n", markup=False)
            # SafeInput: "demo⏎demo⏎" typed in one burst reaches the right fields in order (textual issue 6605)
            yield SafeInput(placeholder="用户名", id="username", advance_on_enter=True)
            yield SafeInput(placeholder="密码", id="password", password=True)
            yield Static("", id="login-error")

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "username":
            self.query_one("#password", Input).focus()
            return
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        try:
            user = await users.authenticate(username, password)
        except StoreError as exc:
            self.query_one("#login-error", Static).update(str(exc))
            self.query_one("#password", Input).value = ""
            return
        self.dismiss(str(user["username"]))

    def action_cancel(self) -> None:
        self.dismiss(None)
