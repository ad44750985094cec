"""The Textual application: global keys, theme, terminals (ASCII borders, NO_COLOR, the 80×24 minimum), quitting
with a question, and the screen flow (login → browse)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App
from textual.filter import LineFilter
from textual.screen import ModalScreen

from store.startup import IDLE_LOCK_DEFAULT, StartFacts, os_user, peek
from store.target import check_sqlite_writable
from tui import borders, gc_idle, severity, textual_text
from tui.acting import actor_of
from tui.bindings import GLOBAL, bindings
from tui.jobs import crash_notice, log_failure, run_job
from tui.keymap import load_keymap
from tui.opening import DatabaseOpening

if TYPE_CHECKING:
    from store.access import Actor
    from store.target import DbTarget

#: what the first person form and the first timeline (F5) opened would import (loaded in a thread by the
#: warm-up, :meth:`RenkouApp.warm_up`)
FORM_MODULES = ("tui.screens.person_form", "checks.engine", "store.records", "tui.services", "tui.screens.timeline")
#: seconds without a key press before the warm-up goes on with its next slice (the clerk's keys go first)
WARM_IDLE = 0.3

#: the smallest terminal every screen is laid out for
MIN_SIZE = (80, 24)
TOO_SMALL = "窗口太小，请放大到 80×24"


def sixteen_colours(environ: Mapping[str, str]) -> bool:
    """True when the terminal shows only the 16 ANSI colours (TERM=linux, xterm or putty without
    ``COLORTERM``): the app then uses the ANSI colours themselves, so an error is red and a warning yellow
    on every PuTTY or console palette instead of the nearest match of a 256-colour theme."""
    if environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return False
    term = environ.get("TERM", "").lower()
    return bool(term) and not term.endswith(("256color", "direct")) and term not in ("kitty", "xterm-kitty")


def ascii_terminal(environ: Mapping[str, str]) -> bool:
    """True for terminals whose font lacks the rounded box corners (the Linux console, ``TERM=linux``): they
    get ASCII borders as with ``--ascii``."""
    return environ.get("TERM", "").lower() == "linux"


class TooSmallScreen(ModalScreen[None]):
    """Shown over everything while the terminal is smaller than 80×24 (removed when it is resized)."""

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; }
    TooSmallScreen > #too-small { width: auto; height: auto; text-style: bold; }
    """

    def compose(self) -> Any:
        from textual.widgets import Static

        yield Static(TOO_SMALL, id="too-small", markup=False)


class RenkouApp(App[int]):
    """Renkou 全员人口信息管理."""

    TITLE = "人口信息"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = bindings(GLOBAL)

    def __init__(self, *, target_label: str, is_demo: bool, needs_login: bool, username: str,
                 ascii_borders: bool = False, ansi_colours: bool = False,
                 idle_minutes: float | None = None, opening: DatabaseOpening | None = None) -> None:  # fmt: skip
        textual_text.localise()
        super().__init__(ansi_color=True if ansi_colours else None)
        #: minutes without a key press before the screen locks: the database's limit (`run_app` reads
        #: `store.startup.peek` or `store.users.idle_lock_minutes`); never off
        self.idle_minutes = idle_minutes if idle_minutes and idle_minutes > 0 else float(IDLE_LOCK_DEFAULT)
        #: how often the app looks whether it has been left alone (seconds; set when the lock is armed)
        self.idle_check_seconds: float | None = None
        self._last_input = time.monotonic()
        self._locked = False
        self._warm_started = False
        self._last_screen_change = 0.0
        self.target_label = target_label
        self.is_demo = is_demo
        self.needs_login = needs_login
        self.username = username
        #: the logged-in account as `store.access` sees it (role, unit scope): built at login (`tui.acting`)
        self.actor: Actor | None = None
        self.ascii_borders = ascii_borders
        self._ascii_glyphs = borders.AsciiGlyphs()
        #: the database being opened after the first frame (None: it was open before the app started)
        self.opening = opening
        severity.configure(ascii=ascii_borders, colour=not self.no_color)

    async def database_ready(self) -> None:
        """Wait until the database is open (at once when it was open before the app started)."""
        if self.opening is not None:
            await self.opening.ready()

    def on_ready(self) -> None:
        """The first frame is on the screen: now load the ORM and open the database (:mod:`tui.opening`)."""
        if self.opening is not None:
            self.opening.start(self._opened)

    def _opened(self, opening: DatabaseOpening) -> None:
        if opening.failure is not None:  # `run_app` says why, in Chinese, once the screen is restored
            self.exit(1)

    def warm_up(self) -> None:
        """The first screen is usable (the tree shows its first level): build in idle time, once, what the first
        person form opened would otherwise pay for — its modules, the audit configuration and the kept form
        itself (:meth:`~tui.screens.person_form.PersonForm.build_kept`)."""
        if self._warm_started:
            return
        self._warm_started = True
        run_job(self, self._warm_up(), group="warm-up")

    async def _warm_up(self) -> None:
        import importlib

        for name in FORM_MODULES:  # (in a thread: the event loop goes on between its bytecode slices)
            await asyncio.to_thread(importlib.import_module, name)
        from checks.settings import load_config
        from tui.screens.person_form import PersonForm

        def idle() -> bool:
            return time.monotonic() - self._last_input >= WARM_IDLE

        await load_config()  # (the audit configuration's first read: its rows in SQLite's cache)
        await PersonForm.build_kept(self, idle=idle)
        await asyncio.sleep(0)
        while not idle():  # (one full collection follows: not under the clerk's keys either)
            await asyncio.sleep(0.05)
        gc_idle.after_warm_up()
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self.set_interval(gc_idle.IDLE_SECONDS, self._collect_if_idle)

    def _screen_changed(self, screen: Any) -> None:
        self._last_screen_change = time.monotonic()

    def _collect_if_idle(self) -> None:
        """A pending full garbage collection runs while the app is quiet: no key and no screen change for a
        while, no job running (:mod:`tui.gc_idle`)."""
        if any(not worker.is_finished for worker in self.workers):
            return
        gc_idle.collect_if_idle(time.monotonic() - max(self._last_input, self._last_screen_change))

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
            borders.use_ascii(True)
        if self.no_color:  # states shown by text style as well (app.tcss)
            self.add_class("no-color")
        if self.needs_login:  # real accounts: lock the screen when left alone
            self.idle_check_seconds = min(30.0, self.idle_minutes * 15)
            self.set_interval(self.idle_check_seconds, self.lock_if_idle)
        if self.needs_login:
            from tui.screens.login import LoginScreen

            hint = "演示数据库：用户名 demo，密码 demo" if self.is_demo else ""
            self.push_screen(LoginScreen(hint), self._logged_in)
        else:
            self._open_main()
        self.call_after_refresh(self.check_size)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters (NO_COLOR, …), and in ASCII mode the one that turns every glyph into ASCII."""
        filters = super().get_line_filters()
        return [*filters, self._ascii_glyphs] if self.ascii_borders else filters

    def on_unmount(self) -> None:
        if self.ascii_borders:
            borders.use_ascii(False)
        if self._warm_started:
            gc_idle.restore()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.check_size)

    def check_size(self) -> None:
        """Cover the screens with :data:`TOO_SMALL` while the terminal is smaller than 80×24."""
        small = self.size.width < MIN_SIZE[0] or self.size.height < MIN_SIZE[1]
        shown = isinstance(self.screen, TooSmallScreen)
        if small and not shown:
            self.push_screen(TooSmallScreen())
        elif not small and shown:
            self.pop_screen()

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        """Push `screen`; the notice of a too small window stays on top."""
        covered = isinstance(self.screen_stack[-1] if self.screen_stack else None, TooSmallScreen)
        if covered and not isinstance(screen, TooSmallScreen):
            self.pop_screen()
            result = super().push_screen(screen, *args, **kwargs)
            super().push_screen(TooSmallScreen())
            return result
        return super().push_screen(screen, *args, **kwargs)

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
        self.actor = None  # built anew for this login
        self._open_main()

    def _open_main(self) -> None:
        from tui.screens.browse import BrowseScreen

        self.push_screen(BrowseScreen())
        run_job(self, self._check_audit_log(), group="audit-log")

    async def _check_audit_log(self) -> None:
        """Check the newest entries of the audit log (cheap); an admin is warned when they were tampered with."""
        from store import access, audit

        actor = await actor_of(self)
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

        if self._locked or any(isinstance(s, LoginScreen) for s in self.screen_stack) or not self.username:
            return
        if time.monotonic() - self._last_input < self.idle_minutes * 60:
            return
        self._locked = True
        run_job(self, self._log_lock(), group="lock")
        self.push_screen(LockScreen(self.username, max(1, round(self.idle_minutes))), self._unlocked)

    async def _log_lock(self) -> None:
        from store.audit import log_action

        await log_action(self.username, "lock", "", f"闲置 {self.idle_minutes:g} 分钟，屏幕锁定")

    def _unlocked(self, unlocked: bool | None = True) -> None:
        if unlocked is False:  # a password to change and the clerk chose to quit instead
            self.keep_drafts()
            self.exit(1)
            return
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

    # --- quitting ----------------------------------------------------------------------------------------

    def unsaved_work(self) -> bool:
        """Whether an open screen holds input not saved: a changed form or a half-keyed change line."""
        return any(bool(getattr(screen, "unsaved", False)) for screen in self.screen_stack)

    async def action_quit(self) -> None:
        """Ctrl+Q: quit; asked first when something is not saved (the default answer stays)."""
        from tui.screens.lock import LockScreen

        if isinstance(self.screen, LockScreen) or not self.unsaved_work():  # locked: forms keep drafts
            self.exit()
            return
        self._ask_quit("有未保存的修改，退出 Renkou 吗？（表单的录入会存为草稿）")

    def action_ask_quit(self) -> None:
        """Esc on the household tree: 退出 Renkou？ (Enter and Esc: no)."""
        self._ask_quit("有未保存的修改，退出 Renkou 吗？" if self.unsaved_work() else "退出 Renkou？")

    def _ask_quit(self, question: str) -> None:
        from tui.screens.form_dialogs import ChoiceDialog

        if isinstance(self.screen, ChoiceDialog):
            return

        def answer(choice: str | None) -> None:
            if choice == "y":
                self.keep_drafts()
                self.exit()

        self.push_screen(ChoiceDialog(question, [("y", "退出"), ("n", "不退出")], default="n", cancel="n"), answer)

    def action_help_quit(self) -> None:
        """Ctrl+C (no longer quits in Textual): say how to quit, in Chinese."""
        self.notify("退出程序请按 Ctrl+Q（表单的录入会存为草稿）。", timeout=4)

    def action_users(self) -> None:
        """Ctrl+U: account management, for admins (or the owner of a database without accounts)."""
        run_job(self, self._open_users(), group="users", exclusive=True)

    async def _open_users(self) -> None:
        await self.database_ready()
        from store import access
        from tui.screens.users import UsersScreen

        if isinstance(self.screen, UsersScreen):
            return
        actor = await actor_of(self)
        if access.may(actor, access.Action.ACCOUNTS_MANAGE):
            self.push_screen(UsersScreen())
        else:
            self.notify(access.refusal(actor, access.Action.ACCOUNTS_MANAGE), severity="warning", timeout=4,
                        markup=False)  # fmt: skip
            await access.log_refusal(actor, access.Action.ACCOUNTS_MANAGE)

    def action_change_password(self) -> None:
        """Ctrl+P: change one's own password (once logged in with an account)."""
        run_job(self, self._open_password(), group="password", exclusive=True)

    async def _open_password(self) -> None:
        await self.database_ready()
        from store import access
        from tui.screens.login import LoginScreen
        from tui.screens.password import PasswordDialog

        if isinstance(self.screen, (LoginScreen, PasswordDialog)) or self._locked or not self.username:
            return
        if self.is_demo or not await access.login_needed():
            self.notify("这个数据库没有账号（或是演示数据库），不用密码。", severity="warning", timeout=4)
            return

        def changed(account: dict[str, object] | None) -> None:
            if account:
                self.notify("密码已修改，下次登录请用新密码。", timeout=6)

        self.push_screen(PasswordDialog(self.username), changed)

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


async def run_app(target: DbTarget, *, ascii_borders: bool = False, username: str | None = None) -> int:
    """Run the app on the database; Tortoise lives around the app (design §7). On an SQLite database that asks
    for a login, the login screen is painted first and the database opened behind it (:mod:`tui.opening`);
    otherwise (PostgreSQL, a new database, no accounts) the database is opened first. A database that cannot be
    opened raises its :class:`~store.errors.StoreError` (the caller prints it) either way."""
    os.environ.setdefault("TEXTUAL_FPS", "30")
    facts = peek(target)
    opening: DatabaseOpening | None = None
    if facts is not None and facts.needs_login:
        assert target.path is not None  # peeked: an SQLite file
        check_sqlite_writable(target.path, create=False)  # a file it cannot write: said before any screen
        opening = DatabaseOpening(target)
    else:
        facts = await _open_first(target)
    try:
        app = RenkouApp(target_label=target.label, is_demo=facts.is_demo, needs_login=facts.needs_login,
                        username=username or os_user(), ascii_borders=ascii_borders or ascii_terminal(os.environ),
                        ansi_colours=sixteen_colours(os.environ), idle_minutes=facts.idle_minutes,
                        opening=opening)  # fmt: skip
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):  # a dropped SSH connection hangs up: keep what was typed
            with contextlib.suppress(NotImplementedError, AttributeError, ValueError):  # not on Windows
                loop.add_signal_handler(sig, app.hang_up)
        result = await app.run_async()
    finally:
        failure = await opening.finish() if opening is not None else None
        if opening is None or opening.started:
            from store import db

            await db.close_db()
    if failure is not None:
        raise failure
    return app.return_code or int(result or 0)


async def _open_first(target: DbTarget) -> StartFacts:
    """Open the database before the app starts and read the start facts through it."""
    from store import db, schema, users

    await db.open_db(target)
    try:
        return StartFacts(needs_login=await users.count_users() > 0,  # a demo database too: demo / demo (README)
                          is_demo=await schema.get_setting("demo") == "1",
                          idle_minutes=await users.idle_lock_minutes())  # fmt: skip
    except BaseException:
        await db.close_db()
        raise
