"""KeyHold: keys typed while a screen is busy wait, then go in order to whatever has focus.

Keys that arrive in one read (SSH, an IME commit, a fast typist) are all queued before the screen reacts to
the first of them. When a key starts work that ends with focus somewhere else — Enter on the search line
while its hits are still loading, F2 saving a line that is then cleared — the keys behind it must not be
typed into the field they happened to be queued in. A screen that owns a ``KeyHold`` (attribute
``key_hold``) holds it for the work; the entry inputs (:class:`tui.widgets.SafeInput`) hand every key and
paste they receive meanwhile to :meth:`KeyHold.take`, and :meth:`KeyHold.release` replays them to the widget
focused then, ahead of anything typed later.

Holds are counted (each ``hold`` needs its ``release``) and never outlive :attr:`KeyHold.limit` seconds: a
stuck hold would leave the keyboard dead, so the keys are then replayed anyway.
"""

from __future__ import annotations

from textual import events
from textual.dom import DOMNode
from textual.timer import Timer
from textual.widget import Widget

__all__ = ["KeyHold", "hold_of"]

HeldEvent = events.Key | events.Paste


def _copy(event: HeldEvent) -> HeldEvent:
    """A fresh event to post again (an event object is delivered once)."""
    if isinstance(event, events.Key):
        return events.Key(event.key, event.character)
    return events.Paste(event.text)


class KeyHold:
    """Keys and pastes held back while a screen is busy; see the module docstring."""

    limit: float = 10.0
    """Seconds after which a hold gives the keys back even if it was never released."""

    def __init__(self) -> None:
        self.count = 0
        self.events: list[HeldEvent] = []
        self._replayed: list[HeldEvent] = []  # copies on their way (kept alive: compared by identity)
        self._timer: Timer | None = None
        self._target: Widget | None = None  # where the last replay went

    @property
    def active(self) -> bool:
        """Keys are being held."""
        return self.count > 0

    def hold(self, owner: Widget) -> None:
        """Start (or deepen) a hold; `owner` (the screen) runs the safety timer."""
        self.count += 1
        if self._timer is None:
            self._timer = owner.set_timer(self.limit, lambda: self.release(owner, all_holds=True))

    def release(self, owner: DOMNode, *, all_holds: bool = False) -> None:
        """End one hold (or all); when none is left, replay the held keys to the focused widget in order."""
        if self.count == 0:
            return
        self.count = 0 if all_holds else self.count - 1
        if self.count:
            return
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        held, self.events = self.events, []
        if not held:
            return
        app = owner.app
        target: Widget = app.focused or app.screen
        batch = [_copy(event) for event in held]
        self._replayed, self._target = [*self._replayed, *batch], target
        for copy in batch:
            target._forward_event(copy)
        target.call_later(self._forget, batch)  # after the replays: fresh keys no longer need to queue up

    def _forget(self, batch: list[HeldEvent]) -> None:
        self._replayed = [event for event in self._replayed if not any(event is done for done in batch)]

    def take(self, widget: Widget, event: HeldEvent) -> bool:
        """Called by an input for every key or paste it receives: True when the hold took the event (held, or
        sent behind keys being replayed); False when the input should handle it as usual."""
        replay = next((n for n, replayed in enumerate(self._replayed) if replayed is event), None)
        if replay is not None:
            del self._replayed[replay]
        if self.active:  # (a replayed key too: a key replayed just before may have started new work)
            self.events.append(event)
        elif replay is not None:
            return False
        elif self._replayed and widget is self._target:  # typed later, yet ahead of the replays here: to the back
            app = widget.app
            (app.focused or app.screen)._forward_event(_copy(event))
        else:
            return False
        event.stop()
        event.prevent_default()
        return True


def hold_of(widget: Widget) -> KeyHold | None:
    """The key hold of the widget's screen, if that screen has one."""
    try:
        hold = getattr(widget.screen, "key_hold", None)
    except Exception:  # not on a screen (any more)
        return None
    return hold if isinstance(hold, KeyHold) else None
