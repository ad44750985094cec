"""Changing one's own password (改密码): Ctrl+P at any time, and forced after a login (or an idle lock) with a
password an admin set — a new account or a reset — which must be replaced by one only its holder knows.

The dialog asks for the current password and the new one twice and calls `store.users.change_own_password`
(the policy, the lockout and the audit log live there); the store's refusal is shown as it is. When the change
is forced, Esc does not lead into the app: it asks whether to quit the program instead.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from store import users
from store.errors import StoreError
from tui.bindings import bindings
from tui.jobs import failure_text
from tui.screens.form_dialogs import ChoiceDialog
from tui.widgets import SafeInput

__all__ = ["PasswordDialog"]

#: what the dialog says of the password policy (the policy itself is `store.users.password_problem`)
POLICY = f"新密码至少 {users.MIN_PASSWORD} 位，不能与用户名相同，也不能是常见密码。"
FORCED = "您的密码是管理员设置的，须先改成只有您本人知道的新密码，\n才能使用本程序。"


class PasswordDialog(ModalScreen[dict[str, object] | None]):
    """Old password, new password twice; dismisses with the account (as `users.change_own_password` returns
    it) once changed, or None: cancelled (a forced change: the clerk chose to quit the program)."""

    KEY_SCOPES = ("password",)
    BINDINGS = bindings("password")
    HELP = f"""\
修改本人的密码：先输入原密码，再输入两次新密码，按 Enter 确定。
{POLICY}
原密码输错也计入连续输错次数（连续 {users.MAX_FAILURES} 次锁定 {users.LOCK_MINUTES} 分钟）。"""
    DEFAULT_CSS = """
    PasswordDialog { align: center middle; background: $background 60%; }
    PasswordDialog #password-box { width: 64; height: auto; border: round $primary; padding: 0 1;
                                   background: $surface; }
    .ascii PasswordDialog #password-box { border: ascii $primary; }
    PasswordDialog .password-row { height: 1; }
    PasswordDialog Label { width: 10; }
    PasswordDialog SafeInput { width: 1fr; }
    PasswordDialog #password-error { color: $error; height: auto; }
    PasswordDialog .dim { color: $text-muted; }
    """

    def __init__(self, username: str, *, forced: bool = False) -> None:
        super().__init__()
        self.username = username
        self.forced = forced
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="password-box"):
            yield Static(Text(f"修改密码（用户 {users.printable(self.username)}）", style="bold"))
            if self.forced:
                yield Static(Text(FORCED, style="bold"), id="password-forced")
            yield Static(Text(POLICY + "\n", style="dim"))
            yield from self._row("原密码", "old")
            yield from self._row("新密码", "new")
            yield from self._row("再输一次", "again")
            yield Static("", id="password-error", markup=False)
            leave = "Esc 退出程序" if self.forced else "Esc 取消"
            yield Static(Text(f"Enter 下一项 / 确定   {leave}", style="dim"))

    def _row(self, label: str, key: str) -> ComposeResult:
        with Horizontal(classes="password-row"):
            yield Label(label)
            yield SafeInput(id=f"password-{key}", password=True, advance_on_enter=key != "again",
                            up_goes_back=key != "old")  # fmt: skip

    def on_mount(self) -> None:
        self.query_one("#password-old", SafeInput).focus()

    def _input(self, key: str) -> SafeInput:
        return self.query_one(f"#password-{key}", SafeInput)

    def _refuse(self, message: str, *, start: str) -> None:
        """Show `message`, empty the inputs from `start` on and put the cursor there."""
        self.query_one("#password-error", Static).update(message)
        keys = ("old", "new", "again")
        for key in keys[keys.index(start) :]:
            self._input(key).value = ""
        self._input(start).focus()

    async def on_input_submitted(self, event: SafeInput.Submitted) -> None:
        event.stop()
        if event.input.id != "password-again" or self.busy:
            return
        old, new, again = (self._input(key).value for key in ("old", "new", "again"))
        if not old:
            self._refuse("请输入原密码。", start="old")
            return
        problem = users.password_problem(new, self.username)  # the store refuses it too: say so before
        if problem:
            self._refuse(problem, start="new")
            return
        if new != again:
            self._refuse("两次输入的新密码不一致，请重新输入。", start="new")
            return
        self.busy = True  # an Enter typed ahead must not send the (then wrong) old password again
        try:
            account = await users.change_own_password(self.username, old, new)
        except Exception as exc:  # the store's refusal as it is; anything else as every job failure is told
            self.busy = False
            wrong_old = isinstance(exc, StoreError) and str(exc) == users.LOGIN_FAILED
            self._refuse(failure_text(exc), start="old" if wrong_old else "new")
            return
        self.dismiss(account)

    def action_cancel(self) -> None:
        """Esc: close; when the change is forced, ask whether to quit the program (the app is not opened)."""
        if not self.forced:
            self.dismiss(None)
            return

        def answered(choice: str | None) -> None:
            if choice == "q":
                self.dismiss(None)

        question = "不改密码就不能使用本程序。退出程序吗？"
        self.app.push_screen(ChoiceDialog(question, [("c", "继续改密码"), ("q", "退出程序")], cancel="c"), answered)
