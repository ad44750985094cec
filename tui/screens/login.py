"""Login with a real-name account (shown when the database has accounts and is not a demo)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from store import users
from store.errors import StoreError
from tui.bindings import bindings
from tui.text import plain


class LoginScreen(Screen[str | None]):
    """用户名 and 密码; Enter moves on and logs in, Esc quits."""

    BINDINGS = bindings("login")

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static("[b]人口信息  登录[/b]\n")
            yield Input(placeholder="用户名", id="username", compact=True)
            yield Input(placeholder="密码", id="password", password=True, compact=True)
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
            self.query_one("#login-error", Static).update(plain(exc))
            self.query_one("#password", Input).value = ""
            return
        self.dismiss(str(user["username"]))

    def action_cancel(self) -> None:
        self.dismiss(None)
