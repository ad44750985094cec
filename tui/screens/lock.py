"""Idle lock (design §4): after a while without a key press the screen is covered until the same clerk types
their password again. The screens underneath keep everything typed; Ctrl+Q still quits (forms keep drafts)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from store import users
from store.errors import StoreError
from tui.text import display_text, plain


class LockScreen(ModalScreen[None]):
    """Covers the app until `username` enters the password."""

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

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-box"):
            yield Static(Text.assemble(("屏幕已锁定", "bold"), f"（{self.minutes} 分钟无操作）\n",
                                       f"用户 {display_text(self.username)}，请输入密码解锁。\n"))  # fmt: skip
            yield Input(placeholder="密码", id="lock-password", password=True, compact=True)
            yield Static("", id="lock-error")
            yield Static("Enter 解锁   Ctrl+Q 退出程序", classes="dim")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            await users.authenticate(self.username, event.value)
        except StoreError as exc:
            self.query_one("#lock-error", Static).update(plain(exc))
            event.input.value = ""
            return
        self.dismiss(None)
