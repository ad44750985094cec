"""Pinyin-initial helpers for search-as-you-type on person names and code labels.

Users type the first letters of a name's syllables (``ljg`` for 李建国). Because a polyphonic
character may be read either way (单 shàn/dān, 曾 zēng/céng), every reading is offered, with the
most likely one first. The letters come from ``store/data/hanzi_initials.txt`` (generated from pypinyin by
``bench/tools/build_hanzi_initials.py``; pypinyin itself is not loaded at run time, its dictionaries cost
≈ 58 MB), read on first use into about 1 MB; code-table labels do not use this at run time (see
``store.code_initials``).
"""

from __future__ import annotations

import bisect
import heapq
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources

NAME_CAP = 16
DATA_FILE = "hanzi_initials.txt"

# Surname readings that differ from the most common reading of the character (first letter).
# The table has no surname mode, so the usual surname reading is listed here.
SURNAME_INITIAL: dict[str, str] = {
    "单": "s",  # Shàn
    "曾": "z",  # Zēng
    "解": "x",  # Xiè
    "区": "o",  # Ōu
    "仇": "q",  # Qiú
    "查": "z",  # Zhā
    "覃": "q",  # Qín
    "翟": "z",  # Zhái
    "召": "s",  # Shào
    "繁": "p",  # Pó
    "朝": "c",  # Cháo
    "沈": "s",  # Shěn
    "石": "s",  # Shí
    "万": "w",  # Wàn
    "隗": "w",  # Wěi
    "乜": "n",  # Niè
    "句": "g",  # Gōu
    "藏": "z",  # Zàng
    "宿": "s",  # Sù
    "能": "n",  # Nài
    "种": "c",  # Chóng
    "重": "c",  # Chóng
    "长": "c",  # Cháng
    "乐": "y",  # Yuè
    "折": "s",  # Shé
    "秘": "b",  # Bì
    "尉": "w",  # Wèi
    "缴": "j",  # Jiǎo
    "冼": "x",  # Xiǎn
    "行": "x",  # Xíng
    "盛": "s",  # Shèng
    "祭": "z",  # Zhài
    "粘": "n",  # Nián
    "蕃": "p",  # Pí
    "么": "y",  # Yāo
}

# Compound surnames whose reading differs from the characters' common readings.
COMPOUND_SURNAME_INITIALS: dict[str, str] = {
    "万俟": "mq",  # Mòqí
    "尉迟": "yc",  # Yùchí
    "长孙": "zs",  # Zhǎngsūn
    "单于": "cy",  # Chányú
    "澹台": "tt",  # Tántái
    "乐正": "yz",  # Yuèzhèng
}


def search_key(text: str) -> str:
    """Normalise a query or a stored text for matching: NFKC, lower case, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _is_hanzi(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x3134F
        or 0xF900 <= cp <= 0xFAFF
        or ch == "〇"
    )


class _Table:
    """The letters table: per run of code points its first code point and each code point's letters (one shared
    string per distinct set of letters), and the phrases read otherwise than by their characters' first
    readings (长生 → ``cs``)."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.runs: list[tuple[str, ...]] = []
        self.phrases: dict[str, str] = {}
        shared: dict[str, str] = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            head, body = line.split(" ", 1)
            if head.startswith("="):
                self.phrases[head[1:]] = body
                continue
            self.starts.append(int(head, 16))
            items = body.split(",")
            self.runs.append(tuple(map(shared.setdefault, items, items)))
        self.longest = max(map(len, self.phrases), default=1)


@cache
def _table() -> _Table:
    """The letters table, loaded once (about 1 MB)."""
    return _Table(resources.files(__package__ or "store").joinpath("data", DATA_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=4096)
def _readings(ch: str) -> tuple[str, ...]:
    """All first letters of one character, the most common reading first (``()`` if unknown)."""
    table = _table()
    cp = ord(ch)
    at = bisect.bisect_right(table.starts, cp) - 1
    if at < 0 or cp - table.starts[at] >= len(table.runs[at]):
        return ()
    return tuple(table.runs[at][cp - table.starts[at]])


def _run_primary(run: str) -> list[str]:
    """The likeliest first letter of each character of a run of Chinese characters: a phrase of the table read
    as a whole (the longest starting at each place), else each character's first reading."""
    table = _table()
    out: list[str] = []
    i = 0
    while i < len(run):
        for size in range(min(table.longest, len(run) - i), 1, -1):
            letters = table.phrases.get(run[i : i + size])
            if letters:
                out.extend(letters)
                i += size
                break
        else:
            out.append((_readings(run[i]) or ("",))[0])
            i += 1
    return out


def _slots(text: str, *, surname: bool) -> list[list[str]]:
    """Per retained character, its candidate first letters, the preferred one first."""
    text = unicodedata.normalize("NFKC", text)
    slots: list[list[str]] = []
    i = 0
    first = True
    while i < len(text):
        ch = text[i]
        if _is_hanzi(ch):
            j = i
            while j < len(text) and _is_hanzi(text[j]):
                j += 1
            run = text[i:j]
            primary = _run_primary(run)
            for k, c in enumerate(run):
                cands = list(_readings(c))
                lead = [primary[k]] if primary[k] else []
                if surname and first and k == 0:
                    compound = COMPOUND_SURNAME_INITIALS.get(run[:2])
                    if compound:
                        lead = [compound[0]]
                    elif c in SURNAME_INITIAL:
                        lead = [SURNAME_INITIAL[c]]
                if surname and first and k == 1 and run[:2] in COMPOUND_SURNAME_INITIALS:
                    lead = [COMPOUND_SURNAME_INITIALS[run[:2]][1]]
                ordered = _dedupe(lead + cands)
                if ordered:
                    slots.append(ordered)
            first = False
            i = j
            continue
        if ch.isascii() and ch.isalpha():
            slots.append([ch.lower()])
        first = False if not ch.isspace() else first
        i += 1
    return slots


def _dedupe(items: Sequence[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _combinations(slots: list[list[str]], cap: int) -> list[str]:
    """Up to ``cap`` distinct strings, fewest non-preferred readings first.

    Ties prefer alternatives on earlier characters (a polyphonic surname matters most).
    """
    if not slots:
        return []
    start = (0,) * len(slots)
    heap: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = [(0, start, start)]
    seen = {start}
    out: list[str] = []
    while heap and len(out) < cap:
        total, _key, idx = heapq.heappop(heap)
        word = "".join(slot[n] for slot, n in zip(slots, idx, strict=True))
        if word not in out:
            out.append(word)
        for pos, n in enumerate(idx):
            if n + 1 < len(slots[pos]):
                nxt = (*idx[:pos], n + 1, *idx[pos + 1 :])
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (total + 1, tuple(-m for m in nxt), nxt))
    return out


def text_initials(text: str, *, cap: int = 8, surname: bool = False) -> list[str]:
    """Lower-case pinyin initials of ``text`` with all readings, the likeliest first.

    Chinese characters give the first letter of each reading, ASCII letters are kept lower-cased,
    anything else (digits, punctuation, spaces) is dropped. With ``surname`` the first character
    (or a known compound surname) is read as a surname.
    """
    return _combinations(_slots(text, surname=surname), cap)


def name_initials(name: str) -> list[str]:
    """Initials of a person's name, surname reading first (单田芳 → ['stf', 'dtf', 'ctf', ...])."""
    return text_initials(name, cap=NAME_CAP, surname=True)
