"""Accounts (账号管理, Ctrl+U, admins only): the real-name accounts, new ones, password resets, unlocking and
disabling. Everything goes through `store.users` and is in the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from store import access, users
from store.errors import StoreError
from tui.bindings import bindings
from tui.jobs import Jobs
from tui.text import plain
from tui.widgets import KeyBar, SafeInput

HELP = """\
账号管理（仅管理员）：实名账号，角色为录入员、审核员或管理员。
新建账号须填用户名、真实姓名、角色、所属单位和两次密码；停用后不能登录，
操作日志保留。每项操作都记入操作日志。
管理员新建账号或重设密码后，对方首次登录时须先改成只有本人知道的密码（状态栏显示“须改密码”）。
用户名不分大小写，全角字母按半角处理，保存为小写。"""

ROLE_KEYS = {"1": "operator", "2": "reviewer", "3": "admin"}
FIRST_LOGIN = "对方首次登录时须先改成只有本人知道的新密码。"
POLICY = f"密码至少 {users.MIN_PASSWORD} 位，不能与用户名相同，不能是常见密码。"


def account_state(account: dict[str, Any], now: dt.datetime | None = None) -> str:
    """The state column: 在用 / 停用 / 锁定至 HH:MM (local time), and 须改密码 when an admin set the password."""
    now = now or dt.datetime.now()
    locked = account.get("locked_until")
    if not account["active"]:
        state = "停用"
    elif isinstance(locked, dt.datetime) and locked > now:
        state = f"锁定至 {locked:%H:%M}" if locked.date() == now.date() else f"锁定至 {locked:%m-%d %H:%M}"
    else:
        state = "在用"
    return state + ("，须改密码" if account.get("must_change_password") else "")


class AccountDialog(ModalScreen[dict[str, str] | None]):
    """New account (all fields) or new password only (`username` given)."""

    DEFAULT_CSS = """
    AccountDialog { align: center middle; }
    AccountDialog #account-box { width: 60; height: auto; border: round $primary; padding: 0 1; }
    AccountDialog .account-row { height: 1; }
    AccountDialog Label { width: 10; }
    AccountDialog SafeInput { width: 1fr; }
    AccountDialog #account-error { color: $error; height: auto; }
    """
    BINDINGS = bindings("account")

    def __init__(self, username: str = "", *, must_change: bool = True) -> None:
        super().__init__()
        self.username = username
        self.must_change = must_change

    def compose(self) -> ComposeResult:
        with Vertical(id="account-box"):
            if self.username:
                yield Static(Text(f"为 {users.printable(self.username)} 设置新密码"))
            else:
                yield Static("新建账号")
                yield from self._row("用户名", "username")
                yield from self._row("真实姓名", "real_name")
                yield from self._row("角色", "role", "1 录入员  2 审核员  3 管理员")
                yield from self._row("所属单位", "unit", "单位代码，可空")
            yield from self._row("密码", "password", password=True)
            yield from self._row("再输一次", "again", password=True)
            note = f"{FIRST_LOGIN}\n{POLICY}" if self.must_change else POLICY
            yield Static(Text(note, style="dim"), id="account-note")
            yield Static("", id="account-error", markup=False)
            yield Static(Text("Enter 下一项 / 确定   Esc 取消", style="dim"))

    def _row(self, label: str, key: str, placeholder: str = "", *, password: bool = False) -> ComposeResult:
        with Horizontal(classes="account-row"):
            yield Label(label)
            # Enter moves on inside the input itself, so keys typed ahead land in the next one
            yield SafeInput(placeholder=placeholder, id=f"account-{key}", password=password,
                            advance_on_enter=key != "again")  # fmt: skip

    def on_mount(self) -> None:
        self.query(SafeInput).first().focus()

    def on_input_submitted(self, event: SafeInput.Submitted) -> None:
        event.stop()
        inputs = list(self.query(SafeInput))
        if event.input is not inputs[-1]:
            return  # the input moved on by itself
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
        if not self.username:
            try:
                users.check_username(values["username"])
            except StoreError as exc:
                return str(exc)
        problem = users.password_problem(values["password"], self.username or values["username"])
        if problem:
            return problem
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
        for account in self.accounts:  # text from the database is shown as it is, never as markup
            cells = (account["username"], account["real_name"], users.ROLES.get(str(account["role"]), ""),
                     account["unit_code"] or "", account_state(account))  # fmt: skip
            table.add_row(*(Text(users.printable(cell)) for cell in cells), key=str(account["username"]))
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
        self.run_job(self._add(), exclusive=True, group="users")

    async def _add(self) -> None:
        actor = await access.actor_for(self.admin, is_demo=bool(getattr(self.app, "is_demo", False)))
        # the owner of a database without accounts chooses their own password; demo databases take none
        own = actor.is_first_admin or actor.is_demo

        def created(values: dict[str, str] | None) -> None:
            if values:
                self.run_job(self._create(actor, values, must_change=not own), exclusive=True, group="users")

        self.app.push_screen(AccountDialog(must_change=not own), created)

    async def _create(self, actor: access.Actor, values: dict[str, str], *, must_change: bool) -> None:
        await access.enforce(actor, access.Action.ACCOUNTS_MANAGE, new_role=values["role"])  # a refusal is logged
        name = users.check_username(values["username"])  # stored lower-case, full-width letters as ASCII
        await users.create_user(name, values["real_name"], values["password"], values["role"], values["unit"] or None,
                                by=self.admin, must_change=must_change)  # fmt: skip
        await self._load()
        self._status(f"已建立账号 {name}。" + (FIRST_LOGIN if must_change else ""))

    def action_password(self) -> None:
        name = self._selected()
        if name is None:
            return
        own = users.normalise_username(name) == users.normalise_username(self.admin)

        def chosen(values: dict[str, str] | None) -> None:
            if values:
                done = f"已为 {name} 设置新密码。" + ("" if own else FIRST_LOGIN)
                self._run(users.set_password(name, values["password"], by=self.admin), done)

        self.app.push_screen(AccountDialog(name, must_change=not own), chosen)

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
