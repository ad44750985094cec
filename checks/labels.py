"""Short Chinese labels the rule messages share: a code with its label, a child line of a birth history."""

from __future__ import annotations

from typing import Any

from checks.dates import fmt

__all__ = ["child_label", "marital_label", "method_label"]


def marital_label(code: str | None) -> str:
    """A marital-status code with its label (``空`` when empty)."""
    from store.codes import TABLES

    return f"{code} {TABLES['marital_status'].label(code)}" if code else "空"


def method_label(code: str | None) -> str:
    """A contraception-method code with its label (``空`` when empty)."""
    from store.codes import TABLES

    return f"{code} {TABLES['contraception_method'].label(code)}" if code else "空"


def child_label(i: int, c: dict[str, Any]) -> str:
    """``第 1 条（李娜，2005-09-01 出生）``: line `i` (from 0) of a birth history."""
    return f"第 {i + 1} 条（{c.get('name') or '无名'}，{fmt(c.get('birth_date'))} 出生）"
