"""Which entry field of a form a finding points at: its field paths (``woman.children[1].birth_date``,
``household.status``) matched against the form's fields, so the review list can open a form on the faulty
item."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tui.widgets.field import Field

__all__ = ["field_for"]


def field_for(fields: Mapping[str, Field], paths: Sequence[str]) -> Field | None:
    """The first focusable field named by `paths`, in order: the field of that path, else the first field
    under it (``woman.children`` → ``woman.children[0].order``); None when none of them is on the form."""
    for path in paths:
        exact = fields.get(path)
        under = [f for p, f in fields.items() if p.startswith((path + ".", path + "["))]
        for field in ([exact] if exact is not None else []) + under:
            if field.input.focusable:
                return field
    return None
