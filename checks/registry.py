"""The rule registry, in the style of ruff's: each rule is a small documented function registered with its
stable code, severity, scope, title, the fields it concerns, a Chinese message template and the tags a
person must have for the rule to apply.

A rule function takes ``(p, env)`` — a :class:`checks.model.PersonView` (or, for household rules, a
:class:`checks.model.HouseholdView`) and the :class:`checks.model.Env` — and returns None when it does not
fire, else a :class:`checks.model.Hit` or a list of them (one per history entry). The docstring is the
rule's description in ``docs/rules.md``; ``example`` holds message parameters for the documented example.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from checks.model import Hit

__all__ = ["FAMILIES", "RULES", "Rule", "all_rules", "hit", "rule"]

SEVERITIES = ("E", "W", "I")
SCOPES = ("person", "woman", "household", "pair")
#: modules holding the rules, in catalogue order.
FAMILIES = ("identity", "duplicates", "required", "marriage", "children", "contraception", "pregnancy",
            "death_dates", "household", "flow", "benefits")  # fmt: skip

SEVERITY_LABELS = {"E": "错误", "W": "预警", "I": "提示"}
SCOPE_LABELS = {"person": "人员", "woman": "妇女生育记录", "household": "户", "pair": "人员对"}


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue."""

    code: str
    severity: str
    scope: str
    title: str
    message: str
    fields: tuple[str, ...]
    check: Callable[..., Any] = field(repr=False)
    needs: int = 0
    avoid: int = 0
    family: str = ""
    description: str = ""
    example: dict[str, Any] = field(default_factory=dict, repr=False)
    cancelled_too: bool = False  # also audits cancelled persons (DTH2, DTH3)
    household_level: bool = False  # check takes the household view (scope household)
    suppresses: tuple[str, ...] = ()  # rules silenced on the same record when this one fires
    suppresses_pair: tuple[str, ...] = ()  # pair rules silenced for the same pair

    def render(self, params: dict[str, Any]) -> str:
        return self.message.format(**params)

    def example_message(self) -> str:
        return self.render(self.example)


RULES: dict[str, Rule] = {}


def hit(
    fields: tuple[str, ...] | list[str] | None = None, related: Any = (), entry: str | None = None, **params: Any
) -> Hit:
    """A finding's data: message parameters plus optional fields, related keys and history entry."""
    return Hit(params, tuple(fields) if fields is not None else None, tuple(related), entry)


def rule(
    code: str,
    severity: str,
    scope: str,
    *,
    title: str,
    message: str,
    fields: tuple[str, ...] = (),
    needs: int = 0,
    avoid: int = 0,
    example: dict[str, Any] | None = None,
    cancelled_too: bool = False,
    suppresses: tuple[str, ...] = (),
    suppresses_pair: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as rule `code`."""
    if severity not in SEVERITIES or scope not in SCOPES:
        raise ValueError(f"{code}: bad severity/scope {severity}/{scope}")

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        RULES[code] = Rule(
            code=code, severity=severity, scope=scope, title=title, message=message, fields=fields, check=fn,
            needs=needs, avoid=avoid, family=fn.__module__.rsplit(".", 1)[-1], description=inspect.cleandoc(fn.__doc__ or ""),
            example=example or {}, cancelled_too=cancelled_too, household_level=scope == "household",
            suppresses=suppresses, suppresses_pair=suppresses_pair,
        )  # fmt: skip
        return fn

    return wrap


def all_rules() -> dict[str, Rule]:
    """Every registered rule (importing the family modules on first use), in catalogue order."""
    for family in FAMILIES:
        importlib.import_module(f"checks.{family}")
    order = {name: i for i, name in enumerate(FAMILIES)}
    return dict(sorted(RULES.items(), key=lambda item: order[item[1].family]))
