"""What the person form and the household form share: the household record being edited, the inline audit,
drafts, saving through the service and leaving with a question only when something would be lost.

A form edits one household record (``store.records.load_households`` shape) in memory: ``record`` is the
edited copy, ``saved`` the record as stored (or as opened, for a new household); the form is unsaved while
they differ. Every change schedules the inline audit (debounced, :func:`checks.engine.audit_record` against a
context loaded when the links of the record change) and a draft (``store.drafts``). F2 / Ctrl+S first commit
the fields (:meth:`FormBase.commit_input`: a code typed by initials, a date typed without Enter are taken, or
the save is refused naming the field), then save with :func:`store.service.save_household` in a worker and
re-audit the stored household.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from store import drafts
from store.codes import HOUSEHOLDER
from store.errors import ConflictError
from tui.acting import actor_of
from tui.bindings import bindings
from tui.jobs import Jobs
from tui.records import records_changed
from tui.screens.form_dialogs import ChoiceDialog
from tui.widgets.field import Field, commit_fields
from tui.widgets.key_hold import KeyHold

__all__ = [
    "AUDIT_DELAY",
    "DRAFT_DELAY",
    "FormBase",
    "householder_name",
    "short_address",
    "take_versions",
    "wait_mounted",
]

AUDIT_DELAY = 0.15
DRAFT_DELAY = 1.0


async def wait_mounted(widgets: Iterable[Widget], timeout: float = 5.0) -> None:
    """Wait until freshly mounted widgets (and what they compose) have mounted: nested children of a
    mounted container can still be on their way when ``mount_all`` returns."""
    for widget in widgets:
        if not widget.is_mounted:
            await asyncio.wait_for(widget._mounted_event.wait(), timeout)


def householder_name(record: dict[str, Any]) -> str:
    """The name of the householder (or of the first member)."""
    members = record.get("members") or []
    head = next((m for m in members if m.get("relation") == HOUSEHOLDER), members[0] if members else None)
    return (head or {}).get("name") or ""


def short_address(address: str | None) -> str:
    """The address without its township part: 城关镇东风村一组7号 → 东风村一组7号."""
    text = address or ""
    for mark in ("镇", "乡"):
        at = text.find(mark)
        if 0 < at < 8 and len(text) > at + 1:
            return text[at + 1 :]
    return text


def _link_signature(record: dict[str, Any]) -> tuple[Any, ...]:
    """What the audit context depends on: keys, links, ID numbers, names, sex and birth dates."""
    out: list[Any] = []
    for p in record.get("members") or ():
        woman = p.get("woman") or {}
        out.append((p.get("key"), p.get("id_number"), p.get("name"), p.get("sex"), p.get("birth_date"),
                    p.get("spouse"), p.get("mother"), p.get("father"),
                    tuple(c.get("member") for c in woman.get("children") or ())))  # fmt: skip
    return tuple(out)


def take_versions(record: dict[str, Any], stored: dict[str, Any]) -> None:
    """Give `record` the versions (and ids) of `stored` — household, members by key, confirmations by rule
    and items — leaving every other value as it is."""
    record["_version"] = stored.get("_version")
    by_key = {m.get("key"): m for m in stored.get("members") or ()}
    for member in record.get("members") or ():
        done = by_key.get(member.get("key"))
        if done is None:
            continue
        for name in ("_id", "_version"):
            if name in done:
                member[name] = done[name]
        versions = {(c.get("rule"), tuple(c.get("fields") or ())): c.get("_record_version")
                    for c in done.get("confirmations") or ()}  # fmt: skip
        for confirmation in member.get("confirmations") or ():
            found = (confirmation.get("rule"), tuple(confirmation.get("fields") or ()))
            if found in versions:
                confirmation["_record_version"] = versions[found]


class FormBase(Jobs, Screen[Any]):
    """Base of the entry forms. Subclasses compose the fields and implement the ``_hooks``."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("form")
    form_name: ClassVar[str] = "form"

    def __init__(self, household_code: str, record: dict[str, Any] | None = None, *, stored: bool = True,
                 id: str | None = None) -> None:  # fmt: skip
        super().__init__(id=id)
        self.code = household_code
        self.record: dict[str, Any] = record or {}
        self.saved: dict[str, Any] = copy.deepcopy(self.record)
        self.stored = stored
        """Whether the household exists in the database (False: a new household not saved yet)."""
        self.owns_draft = True
        """Whether this form offers and discards the household's draft (False for a form opened on top of
        another form's record: the form below holds that input)."""
        self.opened: dict[str, Any] = copy.deepcopy(self.record)
        """The record as the form opened it (a new member included): a draft is kept only when it differs."""
        self.database = ""
        """The identity of the open database (`store.identity`): drafts belong to one database."""
        self._wrote_draft = False
        self._sent: dict[str, Any] | None = None
        self.findings: list[Any] = []
        self.ready = False
        self.saving = False
        self._auditor: Any = None
        self._audit_ctx: Any = None
        self._context_sig: tuple[Any, ...] | None = None
        self._audit_timer: Timer | None = None
        self._changed_at = 0.0
        self._audited = True
        self._state_shown: bool | None = None
        self._findings_shown: Text | None = None
        self.key_hold = KeyHold()
        """Keys typed while the form saves (or behind an Enter the form handles) wait here, then go on in order
        to the field focused then (:class:`tui.widgets.KeyHold`)."""

    # --- state -------------------------------------------------------------------------------------

    @property
    def user(self) -> str:
        return str(getattr(self.app, "username", "") or "")

    @property
    def dirty(self) -> bool:
        """Something typed is not saved."""
        return self.record != self.saved

    @property
    def unsaved(self) -> bool:
        """Something typed since the form opened is not saved (Ctrl+Q asks before quitting)."""
        return self.ready and self.dirty and self.record != self.opened

    def show_findings_text(self, text: Text) -> None:
        """Show the findings panel; the audit re-runs after every pause in typing, mostly with the same result,
        and an unchanged panel is not updated (an update lays out the whole form: every next key paid for it)."""
        if text == self._findings_shown:
            return
        lines = None if self._findings_shown is None else len(self._findings_shown.plain.split("\n"))
        self._findings_shown = text
        same_height = lines == len(text.plain.split("\n"))  # (no_wrap text: one line per line)
        self.query_one("#form-findings-text", Static).update(text, layout=not same_height)

    def show_state(self) -> None:
        """未保存 / 已保存 at the right of the header (repainted only when it changes)."""
        dirty = self.dirty or not self.stored  # a new household is unsaved until saved
        if dirty == self._state_shown:
            return
        self._state_shown = dirty
        try:
            label = self.query_one("#form-state", Static)
        except Exception:
            return
        # both words are 6 cells: the header is laid out again only for the first one
        label.update(Text("未保存", style="bold yellow") if dirty else Text("已保存", style="green"),
                     layout=not str(label.render()))  # fmt: skip

    def changed(self) -> None:
        """The record changed: state, inline audit and draft follow (debounced)."""
        if not self.ready:
            return
        self.show_state()
        self._audited = False
        self._changed_at = time.monotonic()
        if self._audit_timer is None:  # one light ticker, not a timer per key (keys stay cheap)
            self._audit_timer = self.set_interval(AUDIT_DELAY / 2, self._tick)
        self._audit_timer.resume()

    def _tick(self) -> None:
        """Audit once typing paused for AUDIT_DELAY; write the draft once it paused for DRAFT_DELAY."""
        quiet = time.monotonic() - self._changed_at
        if not self._audited and quiet >= AUDIT_DELAY:
            self._audited = True
            self._audit_soon()
        if quiet >= DRAFT_DELAY:
            self._audited = False
            self.write_draft()
            if self._audit_timer is not None:
                self._audit_timer.pause()

    # --- opening -----------------------------------------------------------------------------------

    async def prepare_audit(self) -> None:
        """Build the auditor once (configuration of the database, today's date); note the database and the
        record as opened (drafts are kept per database and only when something changed)."""
        from checks.engine import Auditor, load_config, load_context
        from store.identity import database_id

        self.database = await database_id()
        self.opened = copy.deepcopy(self.record)
        config = await load_config()
        self._audit_ctx = await load_context(self.record)
        self._context_sig = _link_signature(self.record)
        self._auditor = Auditor(dt.date.today(), config=config, pins=self._audit_ctx.pins)

    def draft_key(self, household_code: str | None = None) -> drafts.DraftKey:
        """The key of this user's draft of the household (`household_code`: another code) in this database."""
        return drafts.DraftKey(self.user, self.database, household_code or self.code)

    def discard_draft(self, household_code: str | None = None) -> None:
        """Remove the draft of the household (or of `household_code`)."""
        drafts.discard(self.draft_key(household_code))

    def offer_draft(self, then: Callable[[], None]) -> None:
        """Ask to restore a draft of this household in this database when there is one that differs from the
        record as opened (an unchanged draft is removed unasked); `then` runs afterwards. Enter restores, N
        deletes the draft, Esc opens the stored record and keeps the draft."""
        draft = drafts.load(self.draft_key()) if self.owns_draft and self.database else None
        if draft is not None and not self.draft_differs(draft.payload):
            self.discard_draft()
            draft = None
        if draft is None:
            then()
            return

        def answer(choice: str | None) -> None:
            if choice == "y" and draft is not None:
                self.restore_draft(draft.payload)
            elif choice == "n":
                self.discard_draft()
            then()

        when = draft.saved_at.strftime("%Y-%m-%d %H:%M")
        question = f"发现未保存的草稿（{when}），恢复吗？"
        choices = [("y", "恢复草稿"), ("n", "删除草稿")]
        self.app.push_screen(ChoiceDialog(question, choices, default="y", cancel_label="暂不处理"), answer)

    def draft_differs(self, payload: dict[str, Any]) -> bool:
        """Whether a draft holds something else than the record as opened (else offering it is pointless)."""
        return payload.get("record") != self.opened

    # --- audit -------------------------------------------------------------------------------------

    def _audit_soon(self) -> None:
        self.run_job(self.audit_now(), group="audit", exclusive=True)

    async def audit_now(self) -> None:
        """Audit the edited record (reloading the context when its links changed) and show the findings."""
        from checks.engine import audit_record, load_context

        if self._auditor is None:
            return
        record = self.audit_record_copy()
        sig = _link_signature(record)
        if sig != self._context_sig:
            self._audit_ctx = await load_context(record)
            self._context_sig = sig
        self.findings = audit_record(record, self._audit_ctx, auditor=self._auditor)
        self.show_findings()

    def audit_record_copy(self) -> dict[str, Any]:
        """The record as the audit sees it (subclasses may drop empty rows)."""
        return self.record_for_save()

    # --- drafts ------------------------------------------------------------------------------------

    def write_draft(self) -> None:
        """Keep the edited record as a draft while it is unsaved and differs from the record as opened; a draft
        of this form whose changes were typed back is removed."""
        if self.saving or not self.database:
            return
        try:
            if self.dirty and self.record != self.opened:
                drafts.save(self.draft_key(), self.draft_payload())
                self._wrote_draft = True
            elif self.owns_draft and self._wrote_draft:  # never a draft kept unopened at the offer
                self.discard_draft()
                self._wrote_draft = False
        except OSError as exc:
            self.notify(f"草稿无法保存：{exc.strerror or exc}", severity="warning", timeout=5, markup=False)

    def on_unmount(self) -> None:
        if self._audit_timer is not None:
            self._audit_timer.stop()
        self.write_draft()

    # --- saving ------------------------------------------------------------------------------------

    def open_errors(self) -> int:
        """Open E findings of the edited record (audited now)."""
        from checks.engine import audit_record

        if self._auditor is not None:
            self.findings = audit_record(self.audit_record_copy(), self._audit_ctx, auditor=self._auditor)
        return sum(1 for f in self.findings if f.severity == "E" and not f.confirmed)

    def action_save(self, after: Callable[[], None] | None = None) -> None:
        """F2: save (asking once when the record has open errors)."""
        if self.saving or not self.ready:
            return
        if not self.commit_input() or not self.before_save():
            return
        errors = self.open_errors()
        if errors:

            def answer(choice: str | None) -> None:
                if choice == "y":
                    self._start_save(after)

            self.app.push_screen(ChoiceDialog(f"有 {errors} 个错误，仍要保存吗？", [("y", "保存"), ("n", "不保存")],
                                              cancel="n"), answer)  # fmt: skip
            return
        self._start_save(after)

    def commit_input(self) -> bool:
        """Every field the clerk changed takes what it shows and the record follows (F2 right after typing,
        without Enter); False — the message shown, the field focused — when one cannot."""
        fields = list(self.fields_to_commit())
        result = commit_fields(fields)
        if not result.ok:
            self.notify(result.message or "", severity="error", timeout=6)
            if result.field is not None:
                result.field.focus()
            return False
        for field in fields:
            self.take_field(field)
        return True

    def _start_save(self, after: Callable[[], None] | None) -> None:
        self.saving = True
        self.key_hold.hold(self)  # released when the save is done (or failed)
        self.run_job(self._saving(after), group="save", exclusive=True)

    async def _saving(self, after: Callable[[], None] | None) -> None:
        try:
            await self._save(after)
        finally:
            self.release_keys()

    def release_keys(self) -> None:
        """End a hold of the keys once the focus moves asked for so far are done (``Widget.focus`` is deferred
        to the app's queue): the held keys go to the field focused then."""
        self.app.call_later(self.key_hold.release, self)

    async def _save(self, after: Callable[[], None] | None) -> None:
        from tui import services

        record = self.record_for_save()
        self._sent = copy.deepcopy(self.record)  # what was sent: keys typed while saving are kept
        try:
            result = await services.save_and_audit(record, self.user, actor=await actor_of(self.app))
        except ConflictError as exc:
            self.saving = False
            self.write_draft()
            self.conflict(str(exc))
            return
        self.discard_draft()
        self.stored = True
        self.saving = False
        if result.audit_error:
            self.notify(result.audit_error, severity="warning", timeout=8, markup=False)
        self.after_saved(result.record)
        records_changed(self.app, [r["household"]["code"] for r in result.records])  # (the header says 已保存)
        await self.audit_now()
        if after is not None:
            after()

    def job_failed(self, exc: BaseException, notice: str) -> None:
        """A job failed (the notice is shown): a failed save keeps what was typed as a draft."""
        if self.saving:
            self.saving = False
            self.write_draft()

    def conflict(self, message: str) -> None:
        """Someone else saved in between: keep the input, offer to reload."""

        def answer(choice: str | None) -> None:
            if choice == "r":
                self.discard_draft()
                self.run_job(self.reload(), group="load", exclusive=True)

        self.app.push_screen(ChoiceDialog(f"未保存：{message}", [("k", "保留我的录入"), ("r", "重新打开（放弃我的修改）")],
                                          cancel="k"), answer)  # fmt: skip

    # --- leaving -----------------------------------------------------------------------------------

    def action_leave(self) -> None:
        """Esc: leave, asking only when unsaved changes would be lost."""
        if not self.dirty:
            self.leave()
            return

        def answer(choice: str | None) -> None:
            if choice == "s":
                self.action_save(after=self.leave)
            elif choice == "d":
                self.record = copy.deepcopy(self.saved)
                if self.owns_draft:
                    self.discard_draft()
                self.leave()

        choices = [("s", "保存"), ("d", "放弃修改"), ("c", "继续编辑")]  # Enter and Esc: the safe answer
        self.app.push_screen(ChoiceDialog("放弃修改？", choices, default="c", cancel="c"), answer)

    # --- hooks -------------------------------------------------------------------------------------

    def leave(self) -> None:
        """Close the form (returning the stored record when it was saved)."""
        self.dismiss(self.saved if self.stored else None)

    def before_save(self) -> bool:
        """Last checks before saving (False: do not save)."""
        return True

    def fields_to_commit(self) -> Iterable[Field]:
        """The fields a save commits (subclasses: those whose text differs from the value they were built with)."""
        return ()

    def take_field(self, field: Field) -> None:
        """Put what a committed field holds into the record (subclasses)."""

    def record_for_save(self) -> dict[str, Any]:
        """The record to save: the edited record, cleaned."""
        return copy.deepcopy(self.record)

    def after_saved(self, stored: dict[str, Any]) -> None:
        """The save went through: adopt the stored record (with new versions). When something was typed
        while saving, keep the typed record with the new versions: it stays unsaved (and gets a draft)."""
        sent, self._sent = self._sent, None
        self.saved = stored
        if sent is not None and self.record != sent:
            take_versions(self.record, stored)
            self.write_draft()
        else:
            self.record = copy.deepcopy(stored)
        self._state_shown = None
        self.show_state()

    async def reload(self) -> None:
        """Load the household again from the database (after a conflict) and build the form anew."""
        from store.records import load_households

        found = (await load_households([self.code], actor=await actor_of(self.app))).get(self.code)
        if found is None:
            return
        self.saved, self.record = found, copy.deepcopy(found)
        self.reloaded()
        await self.prepare_audit()
        await self._show_form()

    def reloaded(self) -> None:
        """Adjust to a record just loaded again (subclasses: e.g. the member shown)."""

    async def _show_form(self) -> None:
        """Build the fields of the form (subclasses)."""
        raise NotImplementedError

    def draft_payload(self) -> dict[str, Any]:
        return {"form": self.form_name, "record": self.record}

    def restore_draft(self, payload: dict[str, Any]) -> None:
        """Take over the record of a draft."""
        record = payload.get("record")
        if isinstance(record, dict):
            self.record = record

    def show_findings(self) -> None:
        """Show ``self.findings``."""
