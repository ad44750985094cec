"""Accounts (账号管理, Ctrl+U, admins only): the real-name accounts, new ones, password resets, unlocking and
disabling. Everything goes through `store.users` and is in the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Label, Static

from store import users
from tui.bindings import bindings
from tui.jobs import Jobs
from tui.text import plain
from tui.widgets import KeyBar

HELP = """\
账号管理（仅管理员）：实名账号，角色为录入员、审核员或管理员。
新建账号须填用户名、真实姓名、角色、所属单位和两次密码；停用后不能登录，
操作日志保留。每项操作都记入操作日志。"""

ROLE_KEYS = {"1": "operator", "2": "reviewer", "3": "admin"}


class AccountDialog(ModalScreen[dict[str, str] | None]):
    """New account (all fields) or new password only (`username` given)."""

    DEFAULT_CSS = """
    AccountDialog { align: center middle; }
    AccountDialog #account-box { width: 60; height: auto; border: round $primary; padding: 0 1; }
    AccountDialog .account-row { height: 1; }
    AccountDialog Label { width: 10; }
    AccountDialog Input { width: 1fr; }
    AccountDialog #account-error { color: $error; height: auto; }
    """
    BINDINGS = bindings("account")

    def __init__(self, username: str = "") -> None:
        super().__init__()
        self.username = username

    def compose(self) -> ComposeResult:
        with Vertical(id="account-box"):
            if self.username:
                yield Static(plain(f"为 {self.username} 设置新密码"))
            else:
                yield Static("新建账号")
                yield from self._row("用户名", "username")
                yield from self._row("真实姓名", "real_name")
                yield from self._row("角色", "role", "1 录入员  2 审核员  3 管理员")
                yield from self._row("所属单位", "unit", "单位代码，可空")
            yield from self._row("密码", "password", password=True)
            yield from self._row("再输一次", "again", password=True)
            yield Static("", id="account-error")
            yield Static(Text("Enter 下一项 / 确定   Esc 取消", style="dim"))

    def _row(self, label: str, key: str, placeholder: str = "", *, password: bool = False) -> ComposeResult:
        with Horizontal(classes="account-row"):
            yield Label(label)
            yield Input(placeholder=placeholder, id=f"account-{key}", password=password, compact=True)

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index < len(inputs) - 1:
            inputs[index + 1].focus()
            return
        values = {str(i.id).removeprefix("account-"): i.value.strip() for i in inputs}
        problem = self._problem(values)
        if problem:
            self.query_one("#account-error", Static).update(plain(problem))
            return
        if "role" in values:
            values["role"] = ROLE_KEYS.get(values["role"], values["role"])
        self.dismiss(values)

    def _problem(self, values: dict[str, str]) -> str:
        if not self.username and not (values["username"] and values["real_name"]):
            return "用户名和真实姓名都不能为空。"
        if not self.username and ROLE_KEYS.get(values["role"], values["role"]) not in users.ROLES:
            return "角色请填 1（录入员）、2（审核员）或 3（管理员）。"
        if len(values["password"]) < 6:
            return "密码至少 6 位。"
        if values["password"] != values["again"]:
            return "两次输入的密码不一致。"
        return ""

    def action_cancel(self) -> None:
        self.dismiss(None)


class UsersScreen(Jobs, Screen[None]):
    """The account list and what an admin does with it."""

    HELP = HELP
    KEY_SCOPES = ("users",)
    BINDINGS = bindings("users")
    DEFAULT_CSS = """
    UsersScreen #users-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    UsersScreen DataTable { height: 1fr; }
    UsersScreen #users-status { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.accounts: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Static("账号管理", id="users-title")
        yield DataTable(id="users-table", cursor_type="row", zebra_stripes=False)
        yield Static("加载中…", id="users-status")
        yield KeyBar(self.KEY_SCOPES)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("用户名", "真实姓名", "角色", "单位", "状态")
        self.query_one(DataTable).focus()
        self.run_job(self._load(), exclusive=True, group="users")

    @property
    def admin(self) -> str:
        return str(getattr(self.app, "username", "") or "")

    async def _load(self) -> None:
        self.accounts = await users.list_users()
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        now = dt.datetime.now()
        for account in self.accounts:
            locked = account["locked_until"] is not None and account["locked_until"] > now
            state = "停用" if not account["active"] else ("锁定" if locked else "在用")
            table.add_row(plain(account["username"]), plain(account["real_name"]),
                          users.ROLES.get(str(account["role"]), ""), plain(account["unit_code"]), state,
                          key=str(account["username"]))  # fmt: skip
        if self.accounts:
            table.move_cursor(row=min(row, len(self.accounts) - 1))
        self._status(f"共 {len(self.accounts)} 个账号。")

    def _status(self, text: str, *, error: bool = False) -> None:
        self.query_one("#users-status", Static).update(plain(text, style="bold red" if error else ""))

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.accounts:
            return None
        return str(self.accounts[table.cursor_row]["username"])

    def _run(self, job: Any, done: str) -> None:
        async def then() -> None:
            await job
            await self._load()
            self._status(done)

        self.run_job(then(), exclusive=True, group="users")

    def job_failed(self, exc: BaseException, notice: str) -> None:
        """An account change failed (the notice is shown): say so on the status line too."""
        self._status(notice, error=True)

    def action_add(self) -> None:
        def created(values: dict[str, str] | None) -> None:
            if values:
                self._run(users.create_user(values["username"], values["real_name"], values["password"],
                                            values["role"], values["unit"] or None, by=self.admin),
                          f"已建立账号 {values['username']}。")  # fmt: skip

        self.app.push_screen(AccountDialog(), created)

    def action_password(self) -> None:
        name = self._selected()
        if name is None:
            return

        def chosen(values: dict[str, str] | None) -> None:
            if values:
                self._run(users.set_password(name, values["password"], by=self.admin), f"已为 {name} 设置新密码。")

        self.app.push_screen(AccountDialog(name), chosen)

    def action_unlock(self) -> None:
        name = self._selected()
        if name is not None:
            self._run(users.unlock(name, by=self.admin), f"已解除 {name} 的锁定。")

    def action_toggle_active(self) -> None:
        name = self._selected()
        if name is None:
            return
        active = not bool(next(a for a in self.accounts if a["username"] == name)["active"])
        self._run(users.set_active(name, active, by=self.admin), f"已{'启用' if active else '停用'} {name}。")

    def action_back(self) -> None:
        self.dismiss(None)
