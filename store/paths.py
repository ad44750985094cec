"""Field paths into interchange records: ``woman.children[1].birth_date`` (history entries indexed from 0).

Findings name the fields they concern by such paths; the errors list prints their values, confirmations pin
them, and the forms read and write them. One parser and one reader serve all of them.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")

#: one step of a path: a key, and the index into the list under that key (None: not a list)
Step = tuple[str, int | None]


def parse_path(path: str) -> list[Step]:
    """``woman.children[1].birth_date`` → [("woman", None), ("children", 1), ("birth_date", None)];
    [] when `path` is not a field path."""
    steps: list[Step] = []
    for part in path.split("."):
        match = _TOKEN.fullmatch(part)
        if match is None:
            return []
        steps.append((match.group(1), int(match.group(2)) if match.group(2) is not None else None))
    return steps


def value_at(record: dict[str, Any] | None, path: str) -> Any:
    """The value at `path` in a record (person, household or household record); None when absent."""
    steps = parse_path(path)
    if not steps:
        return None
    value: Any = record
    for name, index in steps:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
        if index is not None:
            value = value[index] if isinstance(value, list) and 0 <= index < len(value) else None
    return value


def set_path(record: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at `path`, creating the blocks and list entries on the way."""
    steps = parse_path(path)
    if not steps:
        raise ValueError(f"not a field path: {path!r}")
    target: Any = record
    for n, (name, index) in enumerate(steps):
        last = n == len(steps) - 1
        if index is None:
            if last:
                target[name] = value
                return
            if target.get(name) is None:
                target[name] = {}
            target = target[name]
            continue
        if target.get(name) is None:
            target[name] = []
        entries = target[name]
        while len(entries) <= index:
            entries.append({})
        if last:
            entries[index] = value
            return
        target = entries[index]
