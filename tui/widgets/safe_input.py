"""SafeInput: a compact Input that applies keys in the order they were typed.

Textual issue 6605. The app forwards every key to the focused Input's queue. A printable key is handled
there at once, but a bound key (left, backspace, home …) is not: ``Input._on_key`` ignores it, the event
bubbles to the screen and the app, and only ``App._on_key`` runs the binding. When several keys arrive in
one read (SSH, an IME commit, fast typists on a slow link) the printable keys already queued behind it are
inserted first: ``张三丰`` + ``←←a`` gives ``张三丰a``. SafeInput runs its own bindings inline in its own
``_on_key``, so each key takes effect before the next one is read.

The same race moves typed-ahead keys into the wrong field when focus moves (Enter, auto-advance): the keys
queued behind the Enter still sit in the old field's queue. SafeInput hands any key or paste that reaches
it after it lost focus to the widget that has focus now, in order. Keys bound on the screen or the app (F2,
Esc …) run inline too, so F2 typed right after a date saves that date, and keys behind the F2 wait for it.

When the screen has a :class:`tui.widgets.key_hold.KeyHold` (a search still loading, a line being saved),
keys are held there and replayed to whatever has focus once the screen is done. An input that does not move
on with Enter holds the keys behind its Enter until the screen handled it (:meth:`SafeInput.release_enter`).
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.actions import SkipAction
from textual.binding import BindingsMap, BindingType
from textual.geometry import Region
from textual.widgets import Input

from tui.bindings import bindings
from tui.widgets.key_hold import KeyHold, hold_of

__all__ = ["SafeInput"]


class SafeInput(Input):
    """A compact, non-blinking Input that runs its bindings inline (keys never overtake each other).

    Enter posts ``Input.Submitted``; with ``advance_on_enter`` (an input in a form) it also moves focus to the
    next field. Up goes back to the previous field when ``up_goes_back`` (default: like ``advance_on_enter``);
    otherwise it is left to the screen (e.g. a result list under a search box). Tab / Shift+Tab move
    forward / back. Subclasses may normalise typed text in :meth:`normalize_insert`.
    """

    DEFAULT_CSS = """
    SafeInput {
        width: 24;
    }
    """

    _value_watch: bool = False
    """True while Input's value watcher runs (its layout request is dropped)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("field")

    def __init__(
        self,
        value: str | None = None,
        placeholder: str = "",
        *,
        advance_on_enter: bool = False,
        up_goes_back: bool | None = None,
        compact: bool = True,
        select_on_focus: bool = True,
        **kwargs: object,
    ) -> None:
        super().__init__(value, placeholder, compact=compact, select_on_focus=select_on_focus, **kwargs)  # type: ignore[arg-type]
        self.cursor_blink = False
        self.advance_on_enter = advance_on_enter
        self.up_goes_back = advance_on_enter if up_goes_back is None else up_goes_back
        self._enter_hold: KeyHold | None = None

    # --- keys in order -----------------------------------------------------------------------------

    def _own_bindings(self) -> BindingsMap:
        """This widget's bindings, with the app's keymap applied when it has one."""
        keymap = getattr(self.app, "_keymap", None)
        if not keymap:
            return self._bindings
        bindings = self._bindings.copy()
        bindings.apply_keymap(keymap)
        return bindings

    def _hand_on(self, event: events.Key | events.Paste) -> bool:
        """Pass an event that arrived after focus moved on to the widget focused now (True if passed)."""
        focused = self.app.focused
        if focused is self or not self.is_attached:
            return False
        event.stop()
        event.prevent_default()
        copy: events.Key | events.Paste = (
            events.Key(event.key, event.character) if isinstance(event, events.Key) else events.Paste(event.text)
        )
        (focused or self.app.screen)._forward_event(copy)
        return True

    def _held(self, event: events.Key | events.Paste) -> bool:
        """Whether the screen's key hold took the event (held, or queued behind keys being replayed)."""
        hold = hold_of(self)
        return hold is not None and hold.take(self, event)

    async def _on_key(self, event: events.Key) -> None:
        if self._held(event) or self._hand_on(event):
            return
        for binding in self._own_bindings().key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
        if not event.is_printable and await self.app._check_bindings(event.key):
            # a key of the screen or the app (F2, Esc …): run it now, not after the keys queued behind it
            event.stop()
            event.prevent_default()
        # printable keys fall through to Input._on_key (same task, same order)

    def _on_paste(self, event: events.Paste) -> None:
        if self._held(event) or self._hand_on(event):
            return
        # Input._on_paste runs next in the MRO

    # --- text --------------------------------------------------------------------------------------

    def _watch_value(self, value: str) -> None:
        """Input's watcher, without a layout of the whole screen on every key.

        ``Input._watch_value`` assigns ``virtual_size``, a layout reactive (the text's width grows with every
        key): each key then re-arranged every widget of the screen (≈ 10 ms per key in the person form, 4× a
        lone Input). The text never changes the size of a fixed-size input, so that layout request is
        dropped (see :meth:`refresh`); the input still repaints and scrolls to its cursor.
        """
        self._value_watch = True
        try:
            super()._watch_value(value)
        finally:
            self._value_watch = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> SafeInput:  # fmt: skip
        if layout and self._value_watch and not self.styles.auto_dimensions:
            layout = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        """ScrollView's watcher, without moving a horizontal scrollbar of no size.

        Once the text is wider than the input, every key scrolls it; ScrollView then sets the position of its
        horizontal scrollbar (``scrollbar-size-horizontal: 0``: never drawn), and that refresh of a widget the
        screen does not show makes Textual rebuild the map of every widget of the screen before the frame
        (≈ 5 ms per key in the person form, nothing for a lone Input).
        """
        if self.show_horizontal_scrollbar and self.styles.scrollbar_size_horizontal:
            self.horizontal_scrollbar.position = new_value
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)

    def normalize_insert(self, text: str) -> str:
        """Typed or pasted text as it should be inserted (override to widen/upper-case/filter)."""
        return text

    def replace(self, text: str, start: int, end: int) -> None:
        """Insert ``text`` (normalised) in place of ``start``–``end``."""
        super().replace(self.normalize_insert(text) if text else text, start, end)

    def restricted(self) -> None:
        """A refused character rings no bell: the clerk sees the field not change."""

    # --- moving between fields ---------------------------------------------------------------------

    def advance(self) -> None:
        """Move focus to the next field (keys typed ahead follow it)."""
        if self.has_focus:
            self.screen.focus_next()

    def action_next_field(self) -> None:
        self.screen.focus_next()

    def action_previous_field(self) -> None:
        self.screen.focus_previous()

    def action_up(self) -> None:
        """Up: the previous field in a form, else left to the screen."""
        if not self.up_goes_back:
            raise SkipAction()
        self.action_previous_field()

    async def action_submit(self) -> None:
        """Enter: post ``Input.Submitted``, then advance when ``advance_on_enter`` (else hold the keys behind
        the Enter until the screen handled it)."""
        if not self.advance_on_enter:
            self.hold_enter()
        await super().action_submit()
        if self.advance_on_enter:
            self.advance()

    def hold_enter(self) -> None:
        """Hold the keys behind this Enter (when the screen has a key hold) until :meth:`release_enter`."""
        hold = hold_of(self)
        if hold is not None and (self._enter_hold is None or not self._enter_hold.active):  # (a stale one timed out)
            hold.hold(self.screen)
            self._enter_hold = hold

    def release_enter(self) -> None:
        """The screen handled this input's Enter (opened a hit, started a save …): end its hold."""
        hold, self._enter_hold = self._enter_hold, None
        if hold is not None:
            hold.release(self.app.screen)
