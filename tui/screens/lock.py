"""Idle lock (design §4): after a while without a key press the screen is covered until the same clerk types
their password again. The screens underneath keep everything typed; Ctrl+Q still quits (forms keep drafts).
When an admin reset the password meanwhile, the clerk unlocks with that one and must then change it (the
password dialog, forced), or quit."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from store import users
from store.errors import StoreError
from tui.bindings import bindings
from tui.screens.password import PasswordDialog
from tui.text import plain


class LockScreen(ModalScreen[bool]):
    """Covers the app until `username` enters the password: dismisses with True, or False when the clerk
    chose to quit rather than change a password an admin set."""

    KEY_SCOPES = ("lock",)
    BINDINGS = bindings("lock")
    HELP = """\
屏幕已锁定：一段时间没有操作，为保护个人信息而锁定。
输入本人密码后按 Enter 解锁，之前录入的内容都还在。
不是本人：按 Ctrl+Q 退出程序（未保存的录入已存为草稿）。"""

    DEFAULT_CSS = """
    LockScreen { align: center middle; background: $surface; }
    LockScreen #lock-box { width: 52; height: auto; border: round $primary; padding: 1 2; }
    LockScreen #lock-error { color: $error; height: auto; }
    """

    def __init__(self, username: str, minutes: int) -> None:
        super().__init__()
        self.username = username
        self.minutes = minutes
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-box"):
            title = Text.assemble(("屏幕已锁定", "bold"), f"（{self.minutes} 分钟无操作）\n")
            title.append(f"用户 {users.printable(self.username)}，请输入密码解锁。\n")  # a name is never markup
            yield Static(title)
            yield Input(placeholder="密码", id="lock-password", password=True, compact=True)
            yield Static("", id="lock-error", markup=False)
            yield Static("Enter 解锁   Ctrl+Q 退出程序", classes="dim")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.busy:
            return
        self.busy = True
        try:
            account = await users.authenticate(self.username, event.value)
        except StoreError as exc:  # the one message of every failed login
            self.busy = False
            self.query_one("#lock-error", Static).update(plain(exc))
            event.input.value = ""
            return
        event.input.value = ""
        if account.get("must_change_password"):  # an admin reset the password meanwhile

            def changed(done: dict[str, object] | None) -> None:
                self.dismiss(bool(done))  # changed: unlocked; else the clerk chose to quit

            self.app.push_screen(PasswordDialog(self.username, forced=True), changed)
            return
        self.dismiss(True)
