"""The 13 kinds of line of the paper monthly change report (月度变更报告单): one table.

Each kind has its key on the form (1–9, 0, L, O, X), its Chinese label, the fields a line of that kind holds
(the ``fields`` dict of :func:`store.changes.apply_change`, in the order they are keyed) and of those the
ones it needs. ``new_member``: the line adds a member (the clerk finds the household, or the mother);
``woman``: the line is about a woman (finding her husband or her household is enough).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = [
    "BY_KEY",
    "CHANGE_KINDS",
    "KINDS",
    "MOTHER_AGES",
    "NEW_MEMBER_KINDS",
    "WOMAN_KINDS",
    "ChangeKind",
    "fits_role",
    "legend",
]


@dataclass(frozen=True, slots=True)
class ChangeKind:
    """One kind of change line."""

    kind: str
    key: str
    label: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    new_member: bool = False
    woman: bool = False


_PERSON = ("name", "id_number", "sex", "birth_date", "relation")
_MARITAL = ("marital_status", "first_marriage_date", "marriage_change_date")
_PERSON_NEEDS = ("name", "sex", "birth_date", "relation")

CHANGE_KINDS: tuple[ChangeKind, ...] = (
    ChangeKind("birth", "1", "出生", ("order", "name", "sex", "birth_date", "id_number", "policy", "blood"),
               ("name", "sex", "birth_date", "policy"), new_member=True, woman=True),
    ChangeKind("death", "2", "死亡", ("date", "new_head"), ("date",)),
    ChangeKind("move_in", "3", "迁入", (*_PERSON, "date", "from_code", "reason", *_MARITAL),
               (*_PERSON_NEEDS, "date"), new_member=True),
    ChangeKind("move_out", "4", "迁出", ("date", "reason", "to_code", "to_place"), ("date",)),
    ChangeKind("marriage", "5", "结婚", ("status", "date", "spouse_name", "spouse_id_number", "spouse_place_code",
                                       "join"), ("date",)),
    ChangeKind("divorce", "6", "离婚", ("date",), ("date",)),
    ChangeKind("widowed", "7", "丧偶", ("date",), ("date",)),
    ChangeKind("pregnancy", "8", "怀孕", ("lmp", "edd", "reported"), ("lmp",), woman=True),
    ChangeKind("outcome", "9", "妊娠结局", ("outcome", "date"), ("outcome", "date"), woman=True),
    ChangeKind("contraception", "0", "避孕措施", ("method", "date", "failure"), ("method", "date"), woman=True),
    ChangeKind("inflow", "L", "流入", (*_PERSON, "date", "place_code", "reason", *_MARITAL),
               (*_PERSON_NEEDS, "date", "place_code"), new_member=True),
    ChangeKind("outflow", "O", "流出", ("date", "place_code", "place", "reason"), ("date", "place_code")),
    ChangeKind("cancel", "X", "注销", ("reason", "date"), ("date",)),
)  # fmt: skip

#: kind → its entry.
KINDS: dict[str, ChangeKind] = {k.kind: k for k in CHANGE_KINDS}
#: key on the paper form (upper case) → its entry.
BY_KEY: dict[str, ChangeKind] = {k.key: k for k in CHANGE_KINDS}
NEW_MEMBER_KINDS: frozenset[str] = frozenset(k.kind for k in CHANGE_KINDS if k.new_member)
WOMAN_KINDS: frozenset[str] = frozenset(k.kind for k in CHANGE_KINDS if k.woman)


def legend(first: int = 0, last: int | None = None) -> tuple[tuple[str, str], ...]:
    """(key, label) of the kinds in form order, from `first` up to `last` (for legends and messages)."""
    return tuple((k.key, k.label) for k in CHANGE_KINDS[first:last])


#: the age range of a woman a birth, pregnancy, outcome or contraception line is about (育龄)
MOTHER_AGES = (15, 49)


def fits_role(kind: str, *, is_household: bool, sex: str | None, birth_date: dt.date | None, active: bool,
              on: dt.date) -> bool:  # fmt: skip
    """Whether a search hit can be what a line of `kind` needs: for a woman's line a household or an active
    woman aged 15–49 (sex code 2); for a line about a person (death, move-out, marriage …) an active person;
    for a line adding a member anyone (the household is what is found)."""
    entry = KINDS.get(kind)
    if entry is None or (entry.new_member and not entry.woman):
        return True
    if is_household:
        return entry.woman
    if not active:
        return False
    if not entry.woman:
        return True
    if sex != "2" or birth_date is None:
        return False
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return MOTHER_AGES[0] <= age <= MOTHER_AGES[1]
