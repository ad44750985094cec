"""The Textual application: global keys, theme, and the screen flow (login → browse)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import time
from collections.abc import Mapping

from textual import events
from textual.app import App

from store import db, schema, users
from tui.bindings import GLOBAL, bindings
from tui.jobs import crash_notice, log_failure, run_job
from tui.keymap import load_keymap

#: minutes without a key press before the screen locks (``RENKOU_IDLE_MINUTES``; 0 turns the lock off)
IDLE_LOCK_MINUTES = 15.0


def idle_lock_minutes(environ: Mapping[str, str]) -> float:
    """The idle-lock delay from the environment, else :data:`IDLE_LOCK_MINUTES` (bad values are ignored)."""
    try:
        value = float(environ.get("RENKOU_IDLE_MINUTES", IDLE_LOCK_MINUTES))
    except ValueError:
        return IDLE_LOCK_MINUTES
    return value if value >= 0 else IDLE_LOCK_MINUTES


def sixteen_colours(environ: Mapping[str, str]) -> bool:
    """True when the terminal shows only the 16 ANSI colours (TERM=linux, xterm or putty without
    ``COLORTERM``): the app then uses the ANSI colours themselves, so an error is red and a warning yellow
    on every PuTTY or console palette instead of the nearest match of a 256-colour theme."""
    if environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return False
    term = environ.get("TERM", "").lower()
    return bool(term) and not term.endswith(("256color", "direct")) and term not in ("kitty", "xterm-kitty")


class RenkouApp(App[int]):
    """Renkou 全员人口信息管理."""

    TITLE = "人口信息"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = bindings(GLOBAL)

    def __init__(self, *, target_label: str, is_demo: bool, needs_login: bool, username: str,
                 ascii_borders: bool = False, ansi_colours: bool = False,
                 idle_minutes: float | None = None) -> None:  # fmt: skip
        super().__init__(ansi_color=True if ansi_colours else None)
        self.idle_minutes = idle_lock_minutes(os.environ) if idle_minutes is None else idle_minutes
        self._last_input = time.monotonic()
        self._locked = False
        self.target_label = target_label
        self.is_demo = is_demo
        self.needs_login = needs_login
        self.username = username
        self.ascii_borders = ascii_borders

    def _handle_exception(self, error: Exception) -> None:
        """Textual's crash path: the traceback goes to the crash log (redacted, 0600), the clerk gets one
        Chinese line after the screen closes (never a traceback, which could show stored data or a
        password), and the exit status is 1."""
        where = log_failure(error)
        super()._handle_exception(error)
        self._exit_renderables[:] = [crash_notice(error, where)]

    def on_mount(self) -> None:
        self.load_keymap()
        if self.ascii_borders:
            self.add_class("ascii")
        if self.needs_login and self.idle_minutes > 0:  # real accounts: lock the screen when left alone
            self.set_interval(min(30.0, self.idle_minutes * 15), self.lock_if_idle)
        if self.needs_login:
            from tui.screens.login import LoginScreen

            self.push_screen(LoginScreen(), self._logged_in)
        else:
            self._open_main()

    def load_keymap(self) -> None:
        """Remap keys from the keymap file (:mod:`tui.keymap`); a bad file or entry is a notice, never a crash."""
        keymap, problems = load_keymap()
        self.set_keymap(keymap)
        for problem in problems:
            self.notify(problem, severity="warning", timeout=10, markup=False)

    def _logged_in(self, username: str | None) -> None:
        if not username:
            self.exit(1)
            return
        self.username = username
        self._open_main()

    def _open_main(self) -> None:
        from tui.screens.browse import BrowseScreen

        self.push_screen(BrowseScreen())
        run_job(self, self._check_audit_log(), group="audit-log")

    async def _check_audit_log(self) -> None:
        """Check the newest entries of the audit log (cheap); an admin is warned when they were tampered with."""
        from store import access, audit

        actor = await access.actor_for(self.username, is_demo=self.is_demo)
        if actor.role != access.ADMIN:
            return
        report = await audit.verify_tail()
        if not report.ok:
            self.notify(f"{report.message}请用 renkou log --verify 核查整个日志。", title="审计日志",
                        severity="error", timeout=60, markup=False)  # fmt: skip

    def open_household(self, code: str, person_key: str | None = None) -> None:
        """Go back to the browse screen and show a household (with the person highlighted), e.g. from the
        review list. Screens above the browse screen are closed."""
        from tui.screens.browse import BrowseScreen

        if not any(isinstance(s, BrowseScreen) for s in self.screen_stack):
            self.push_screen(BrowseScreen())
        while not isinstance(self.screen, BrowseScreen):
            self.pop_screen()
        browse = self.screen
        assert isinstance(browse, BrowseScreen)
        browse.show_household(code, person_key)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def lock_if_idle(self) -> None:
        """Lock the screen when nobody has pressed a key for :attr:`idle_minutes` (logged in the audit log)."""
        from tui.screens.lock import LockScreen
        from tui.screens.login import LoginScreen

        if self._locked or isinstance(self.screen, LoginScreen) or not self.username:
            return
        if time.monotonic() - self._last_input < self.idle_minutes * 60:
            return
        self._locked = True
        run_job(self, self._log_lock(), group="lock")
        self.push_screen(LockScreen(self.username, max(1, round(self.idle_minutes))), self._unlocked)

    async def _log_lock(self) -> None:
        from store.audit import log_action

        await log_action(self.username, "lock", "", f"闲置 {self.idle_minutes:g} 分钟，屏幕锁定")

    def _unlocked(self, _result: None = None) -> None:
        self._locked = False
        self._last_input = time.monotonic()

    def keep_drafts(self) -> None:
        """Write the draft of every open form now (they are otherwise written after a pause in typing)."""
        from tui.screens.form_base import FormBase

        for screen in self.screen_stack:
            if isinstance(screen, FormBase):
                screen.write_draft()

    def hang_up(self) -> None:
        """The terminal went away (SIGHUP: dropped SSH connection) or the server stops (SIGTERM): keep the
        drafts of open forms, then end."""
        self.keep_drafts()
        self.exit(129)

    def action_users(self) -> None:
        """Ctrl+U: account management, for admins (or the owner of a database without accounts)."""
        run_job(self, self._open_users(), group="users", exclusive=True)

    async def _open_users(self) -> None:
        from store import access
        from tui.screens.users import UsersScreen

        if isinstance(self.screen, UsersScreen):
            return
        actor = await access.actor_for(self.username, is_demo=self.is_demo)
        if access.may(actor, access.Action.ACCOUNTS_MANAGE):
            self.push_screen(UsersScreen())
        else:
            self.notify(access.refusal(actor, access.Action.ACCOUNTS_MANAGE), severity="warning", timeout=4,
                        markup=False)  # fmt: skip
            await access.log_refusal(actor, access.Action.ACCOUNTS_MANAGE)

    def action_help(self) -> None:
        """F1: the help of the screen shown, generated from the key table (remapped keys included)."""
        from tui.screens.help import HelpScreen, help_body

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(help_body(self.screen, self._keymap)))

    @property
    def status_line(self) -> str:
        """Header text: user, date and a demo marker."""
        demo = "  演示数据" if self.is_demo else ""
        return f"{self.username}  {dt.date.today():%Y-%m-%d}{demo}"


async def run_app(target: db.DbTarget, *, ascii_borders: bool = False, username: str | None = None) -> int:
    """Open the database, run the app, close the database (Tortoise lives around the app, design §7)."""
    os.environ.setdefault("TEXTUAL_FPS", "30")
    await db.open_db(target)
    try:
        is_demo = await schema.get_setting("demo") == "1"
        has_accounts = await users.count_users() > 0
        needs_login = has_accounts and not is_demo
        name = username or ("demo" if is_demo and has_accounts else users.os_user())
        app = RenkouApp(target_label=target.label, is_demo=is_demo, needs_login=needs_login, username=name,
                        ascii_borders=ascii_borders, ansi_colours=sixteen_colours(os.environ))  # fmt: skip
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):  # a dropped SSH connection hangs up: keep what was typed
            with contextlib.suppress(NotImplementedError, AttributeError, ValueError):  # not on Windows
                loop.add_signal_handler(sig, app.hang_up)
        result = await app.run_async()
        return app.return_code or int(result or 0)
    finally:
        await db.close_db()
