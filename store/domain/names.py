"""Names of persons as typed or imported: the length limit and the characters a name may hold.

A name is letters of any script (Chinese characters, the Latin or Uyghur letters of a transliterated name),
with the middle dot of minority names (阿卜杜·热合曼) and spaces between parts; emoji, symbols and control
characters are refused with a Chinese message (never cut or dropped silently)."""

from __future__ import annotations

import unicodedata

from store.textsafe import excerpt, find_unsafe

__all__ = ["NAME_MAX", "name_problem"]

#: the most characters a name may have (long transliterated minority names included)
NAME_MAX = 30
_DOTS = frozenset("·・•‧.-")


def _bad_character(name: str) -> str | None:
    for char in name:
        if char in _DOTS or char == " ":
            continue
        category = unicodedata.category(char)
        if category[0] in "LM":  # letters (Chinese characters too) and their combining marks
            continue
        return char
    return None


def name_problem(name: str | None) -> str | None:
    """Why `name` cannot be stored (a Chinese sentence), or None when it can (an empty name is not judged)."""
    if not name:
        return None
    unsafe = find_unsafe(name)
    if unsafe is not None:
        return f"姓名含有{unsafe}，不能保存。"
    if len(name) > NAME_MAX:
        return f"姓名最多 {NAME_MAX} 个字（现为 {len(name)} 个），请核对后重新填写。"
    bad = _bad_character(name)
    if bad is not None:
        if unicodedata.category(bad) == "So" or ord(bad) >= 0x1F000:
            return f"姓名不能含有表情符号“{bad}”，请只填写文字。"
        return f"姓名不能含有符号“{excerpt(bad, quoted=False)}”（U+{ord(bad):04X}），请只填写文字。"
    return None
