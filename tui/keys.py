"""Small things the screens share: the footer line of keys and the reporting month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.text import Text


def key_bar(keys: Sequence[tuple[str, str]]) -> Text:
    """The footer line of the keys that matter: ``F1帮助 Enter打开 …`` with the keys in bold."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for key, label in keys:
        text.append(f" {key}", style="bold")
        text.append(label)
    return text


def reporting_month(today: dt.date | None = None) -> str:
    """The month clerks key and report now: the previous one (reports come in by the 5th), ``YYYY-MM``."""
    first = (today or dt.date.today()).replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")
