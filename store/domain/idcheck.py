"""The one ID-number validator (ID01–ID05 of ``docs/spec/rules.md``): format, check character, a real birth
date within the configured range, and agreement with the recorded birth date and sex.

The entry fields (:func:`tui.widgets.parsing.check_id`), the change entry and the audit
(:class:`checks.model.PersonView`) all judge a number here, with the same earliest birth date: the audit
setting ``id_min_birth`` (:class:`IdSettings`). :func:`fast_valid` is the audit's hot path (400 000 persons):
plain string tests and one big-integer reduction, no :class:`store.idnumber.IdInfo` built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from store import idnumber

__all__ = ["EARLIEST_BIRTH", "IdSettings", "birth_problem", "fast_valid", "passes"]

#: the earliest birth date an ID number may carry unless the settings say otherwise (rules.md ID03).
EARLIEST_BIRTH = dt.date(1890, 1, 1)
_CHECK = "0123456789X"
_ODD = "13579"
_MISSING: Any = object()
_DATES: dict[str, Any] = {}  # YYYYMMDD → date or None, looked up inline (the hot path avoids a call)
_DATES_MAX = 100_000


@dataclass(frozen=True, slots=True)
class IdSettings:
    """What the validation depends on: the earliest acceptable birth date (audit setting ``id_min_birth``)."""

    min_birth: dt.date = EARLIEST_BIRTH


def birth_problem(info: idnumber.IdInfo, latest: dt.date, min_birth: dt.date = EARLIEST_BIRTH) -> str:
    """Chinese message for the impossible, too early (before `min_birth`) or too late (after `latest`)
    birth date of a well-formed number, else ''."""
    part = info.date_part
    shown = f"{part[:4]}-{part[4:6]}-{part[6:]}"
    if info.birth_date is None:
        return f"出生日期不存在：{shown}"
    if info.birth_date < min_birth or info.birth_date > latest:
        return f"出生日期不合理：{shown}"
    return ""


def passes(info: idnumber.IdInfo, birth: dt.date | None, sex: str | None, min_birth: dt.date,
           latest: dt.date) -> bool:  # fmt: skip
    """Whether a parsed number passes ID01–ID05: well formed, the right check character (a 15-digit number
    has none), a birth date from `min_birth` to `latest`, equal to the recorded `birth` and `sex` if given."""
    if not info.format_ok or info.checksum_ok is False:
        return False
    born = info.birth_date
    if born is None or born < min_birth or born > latest:
        return False
    if birth is not None and born != birth:
        return False
    return not (sex is not None and info.sex != sex)


def fast_valid(raw: str, birth: dt.date | None, sex: str | None, min_birth: dt.date, latest: dt.date) -> bool:
    """True only for a number stored exactly as 17 ASCII digits + check character that passes ID01–ID05
    (the verdict of ``passes(idnumber.parse(raw), …)`` for such a number), without building an IdInfo.
    False means "look closer" (a 15-digit, lower-case, spaced or wrong number). The region is not looked at."""
    if len(raw) != 18 or not raw.isascii() or not raw[:17].isdigit():
        return False
    if raw[17] != _CHECK[(1 - 2 * int(raw[:17], 13)) % 11]:  # ISO 7064 MOD 11-2, as idnumber.check_char
        return False
    part = raw[6:14]
    born = _DATES.get(part, _MISSING)
    if born is _MISSING:
        born = idnumber.date_of(part)
        if len(_DATES) < _DATES_MAX:
            _DATES[part] = born
    if born is None or born < min_birth or born > latest or (birth is not None and born != birth):
        return False
    return sex is None or (raw[16] in _ODD) == (sex == "1")
