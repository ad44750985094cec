"""Person keys: the one scheme for new members, and what makes a key valid.

A key is a stable identifier of a person (``docs/spec/interchange.md`` §1): any non-empty text of at most
:data:`KEY_MAX` characters, unique in the database. Keys of imported persons are kept as they come; a
member added here gets ``<household code>-<n>``, the lowest ``n`` from the member count up that is used
neither in the household nor in `taken` (the caller passes keys it knows to be used elsewhere, e.g. by
persons who moved to another household: :func:`store.changes.unused_key` asks the database).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["KEY_MAX", "first_duplicate", "new_key"]

#: longest key (the column size of ``person.key``).
KEY_MAX = 64


def first_duplicate(keys: Iterable[str]) -> str | None:
    """The first key that occurs twice, or None when all are distinct."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return None


def new_key(household_code: str, used: Iterable[Any], taken: Iterable[str] = ()) -> str:
    """A key ``<household code>-<n>`` for a new member of a household whose members have the keys `used`;
    `n` starts at one more than the member count and skips keys in `used` and `taken`."""
    used = list(used)
    avoid = {*used, *taken}
    n = len(used) + 1
    while f"{household_code}-{n}" in avoid:
        n += 1
    return f"{household_code}-{n}"
