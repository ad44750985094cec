"""Login with a real-name account (shown when the database has accounts; a demo database's is demo / demo). An
account whose password an admin set (new, or reset) changes it in the password dialog before the app opens."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from store.errors import StoreError
from tui.bindings import bindings
from tui.text import plain
from tui.widgets import SafeInput

#: shown while the password waits for the database, still being opened behind the login screen
OPENING = "正在打开数据库……"


class LoginScreen(Screen[str | None]):
    """用户名 and 密码; Enter moves on and logs in, Esc quits. Dismisses with the (normalised) user name, or
    None when the clerk quits (also from the forced password change)."""

    BINDINGS = bindings("login")
    DEFAULT_CSS = """
    LoginScreen #login-box SafeInput { width: 1fr; }
    """

    def __init__(self, hint: str = "") -> None:
        super().__init__()
        self.busy = False
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static(Text("人口信息  登录\n", style="bold"))
            if self.hint:
                yield Static(self.hint + "\n", markup=False)
            # SafeInput: "demo⏎demo⏎" typed in one burst reaches the right fields in order (textual issue 6605)
            yield SafeInput(placeholder="用户名", id="username", advance_on_enter=True, up_goes_back=False)
            yield SafeInput(placeholder="密码", id="password", password=True, up_goes_back=True)
            yield Static("", id="login-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#username", SafeInput).focus()

    async def on_input_submitted(self, event: SafeInput.Submitted) -> None:
        event.stop()
        if event.input.id == "username" or self.busy:
            return  # the user name field moved on by itself (keys typed ahead follow it)
        username = self.query_one("#username", SafeInput).value.strip()
        password = self.query_one("#password", SafeInput).value
        self.busy = True
        error = self.query_one("#login-error", Static)
        opening = getattr(self.app, "opening", None)
        if opening is not None and not opening.is_open:
            error.update(OPENING)
            try:
                await opening.ready()
            except Exception:  # the app closes and `run_app` says why
                return
            error.update("")
        from store import users

        try:
            user = await users.authenticate(username, password)
        except StoreError as exc:
            self.busy = False
            error.update(plain(exc))
            self.query_one("#password", SafeInput).value = ""
            return
        name = str(user["username"])
        if not user.get("must_change_password"):
            self.dismiss(name)
            return

        from tui.screens.password import PasswordDialog

        def changed(account: dict[str, object] | None) -> None:
            self.dismiss(name if account else None)

        self.query_one("#password", SafeInput).value = ""
        self.app.push_screen(PasswordDialog(name, forced=True), changed)

    def action_cancel(self) -> None:
        self.dismiss(None)
