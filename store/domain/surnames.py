"""Surnames: the surname of a name (compound surnames included) and the suggested surname of a new child."""

from __future__ import annotations

from store.domain.families import householder, member
from store.domain.records import HouseholdRecord
from store.pinyin import COMPOUND_SURNAME_INITIALS

__all__ = ["COMPOUND_SURNAMES", "child_surname", "strip_repeated_surname", "surname"]

#: two-character surnames (复姓): the common ones and those with a reading of their own (store.pinyin).
COMPOUND_SURNAMES: frozenset[str] = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯", "长孙", "宇文",
    "轩辕", "端木", "独孤", "南宫", "西门", "百里", "司空", "钟离", "闻人", "呼延", "赫连", "澹台", "公冶", "太史",
}) | frozenset(COMPOUND_SURNAME_INITIALS)  # fmt: skip
#: relations of a wife or daughter-in-law of the householder (her child takes his family's surname).
_MARRIED_IN = frozenset({"10", "12", "38"})


def surname(name: str | None) -> str:
    """The surname of a Chinese name: two characters for a compound surname followed by a given name
    (欧阳明 → 欧阳; a two-character name is one-character surname + given name: 欧阳 → 欧), else one."""
    if not name:
        return ""
    name = name.strip()
    return name[:2] if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else name[:1]


def child_surname(record: HouseholdRecord, mother_key: str | None = None) -> str:
    """The suggested surname of a new child of the household: the father's (the mother's husband in this
    household, else her outside spouse), else the householder's when the mother is his wife or
    daughter-in-law, else her own. Without a mother: the householder's surname."""
    head = householder(record)
    mother = member(record, mother_key) if mother_key else None
    if mother is None:
        return surname(head.get("name")) if head is not None else ""
    father = member(record, mother.get("spouse"))
    if father is not None and father.get("sex") == "1":
        return surname(father.get("name"))
    external = mother.get("spouse_external") or {}
    if external.get("name"):
        return surname(external["name"])
    if head is not None and head.get("sex") == "1" and mother.get("relation") in _MARRIED_IN:
        return surname(head.get("name"))
    return surname(mother.get("name"))


def strip_repeated_surname(name: str, suggested: str) -> str:
    """A name typed after the suggested surname, without the surname typed twice: the clerk typed the whole
    name (张浩然) after the suggested 张, giving 张张浩然 → 张浩然. A name whose rest is one character (张张) stays."""
    if not suggested or not name.startswith(suggested + suggested):
        return name
    rest = name[len(suggested) :]
    return rest if len(rest) > len(suggested) else name
