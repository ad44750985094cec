"""Reusable entry widgets for heads-down data entry (design §2, §3, §7).

``SafeInput`` applies keys in typed order (textual issue 6605) and ``KeyHold`` keeps keys typed while a screen
is busy until it is done; ``DateField``, ``CodeField`` and ``IdField`` parse what the clerk types, show the
result beside the input, post typed messages, move to the next field by themselves when a fixed-length value
is complete, and ``Field.commit`` takes what a field shows (or says why not) on Enter, Tab and save. Parsing lives in ``tui.widgets.parsing``, which
does not import Textual (so this package loads its widgets lazily).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.widgets.code_field import CodeField
    from tui.widgets.date_field import DateField
    from tui.widgets.field import Field
    from tui.widgets.id_field import IdField
    from tui.widgets.key_bar import KeyBar
    from tui.widgets.key_hold import KeyHold
    from tui.widgets.safe_input import SafeInput

__all__ = ["CodeField", "DateField", "Field", "IdField", "KeyBar", "KeyHold", "SafeInput"]

_MODULES = {"CodeField": "code_field", "DateField": "date_field", "Field": "field", "IdField": "id_field",
            "KeyBar": "key_bar", "KeyHold": "key_hold", "SafeInput": "safe_input"}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(import_module(f"tui.widgets.{_MODULES[name]}"), name)
    raise AttributeError(name)
