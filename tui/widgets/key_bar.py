"""The footer line of a screen, generated from the key table (:mod:`tui.bindings`)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import Static

from tui.bindings import footer_text


class KeyBar(Static):
    """``F1帮助 Enter打开 Ins新户 …``: the shown keys of the screen's scopes, remapped keys included."""

    DEFAULT_CSS = """
    KeyBar { height: 1; background: $panel; }
    """

    def __init__(self, scopes: Sequence[str], *, with_global: bool = True, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.scopes = tuple(scopes)
        self.with_global = with_global

    def on_mount(self) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        """Draw the line again (after the keymap changed)."""
        keymap = getattr(self.app, "_keymap", {})  # Textual's keymap as set by App.set_keymap
        width = max(self.app.size.width, 40)
        self.update(footer_text(self.scopes, keymap, width, with_global=self.with_global))
