"""Search while typing: persons by name, pinyin initials of a name or ID number (or its last digits), and
households by code (or its last digits).

Every query is an index range read with a LIMIT, so it answers in a few milliseconds on a 400 000-person
county:

* letters (``ljg``) — a prefix range on ``name_key.initials`` (all readings of polyphonic characters);
* Chinese characters (``李建``) — a prefix range on ``person.name`` (``idx_person_name``); Chinese followed by
  letters (``李j``) — the initials of the Chinese part plus the letters, among names starting with it;
* digits (``0019``, ``430426198``) — the ID number exactly, by its last four characters (the
  ``idx_person_id_tail`` expression index) and by prefix; the household code exactly, by prefix and by its
  last 4–8 digits (a scan of the household key that stops at the page size).

An actor with units (`store.scope`) finds only persons and households of its units: every query carries the
scope condition, so nothing outside it is read, counted or shown.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from store import db
from store.browse import group_label, next_code
from store.codes import HOUSEHOLDER, TABLES
from store.idnumber import mask
from store.pinyin import name_initials, search_key
from store.scope import Who, scope_sql

LIMIT = 50
MIN_DIGITS = 4
HOUSEHOLD_TAIL_MAX = 8  # longer digit strings are ID numbers or code prefixes

_NUMBER = re.compile(r"\d+[xX]?")
_LETTERS = re.compile(r"[a-z]+")
_PERSON_COLUMNS = "p.key, p.household_id, p.name, p.sex, p.birth_date, p.id_number, p.cancel_reason"

#: What a hit matched, as the hit list shows it.
BY_NAME, BY_INITIALS, BY_ID, BY_HOUSEHOLD = "姓名", "拼音", "身份证", "户编码"


@dataclass(frozen=True)
class Hit:
    """One search result: a person (with `person_key`) or a household."""

    household_code: str
    person_key: str | None
    name: str
    sex: str
    birth_date: dt.date | None
    id_masked: str
    matched: str
    cancelled: bool = False
    place: str = ""  # 东风村一组

    def line(self) -> str:
        """One line for the hit list: 李建国 男 1980-03-12 4304…0019 东风村一组0007."""
        born = self.birth_date.isoformat() if self.birth_date else ""
        parts = [self.name or "（无名）", self.sex, born, self.id_masked, f"{self.place}{self.household_code[14:]}"]
        text = " ".join(p for p in parts if p)
        if self.person_key is None:
            text = f"[户] {text}"
        return text + (" 已注销" if self.cancelled else "")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _letter_bound(prefix: str) -> str | None:
    """The exclusive end of the range of lower-case strings starting with `prefix` (None: no end)."""
    head = prefix.rstrip("z")
    if not head:
        return None
    return head[:-1] + chr(ord(head[-1]) + 1)


def _person(row: Any, matched: str) -> Hit:
    key, code, name, sex, birth, number, cancelled = row[0], row[1], row[2], row[3], row[4], row[5], row[6]
    if birth is not None and not isinstance(birth, dt.date):
        birth = dt.date.fromisoformat(str(birth)[:10])
    return Hit(code, key, name or "", TABLES["sex"].short(sex), birth, mask(number), matched, cancelled is not None)


async def _by_initials(initials: str, name_prefix: str, limit: int, matched: str, actor: Who = None) -> list[Hit]:
    """Persons with a name reading starting with `initials` (and a name starting with `name_prefix`)."""
    end = _letter_bound(initials)
    scoped, params = scope_sql(actor, "p.household_id")
    where = ["p.id = nk.person_id", "nk.initials >= ?", "nk.initials LIKE ? ESCAPE '\\'" + scoped]
    params = [initials, _like_escape(initials) + "%", *params]
    if end is not None:
        where.append("nk.initials < ?")
        params.append(end)
    if name_prefix:
        where.append("p.name LIKE ? ESCAPE '\\'")
        params.append(_like_escape(name_prefix) + "%")
    # CROSS JOIN keeps SQLite reading name_key in index order, so the LIMIT stops the scan early.
    rows = await db.fetch(
        f"SELECT {_PERSON_COLUMNS} FROM name_key nk CROSS JOIN person p "
        f"WHERE {' AND '.join(where)} ORDER BY nk.initials, nk.id LIMIT ?",
        [*params, limit * 2],  # a person with several readings may match more than once
    )
    return [_person(r, matched) for r in rows]


async def _by_name(prefix: str, limit: int, actor: Who = None) -> list[Hit]:
    """Persons whose name starts with `prefix` (``idx_person_name``; code-point ranges are exact on SQLite,
    PostgreSQL gets the LIKE alone so that any collation answers correctly)."""
    scoped, in_scope = scope_sql(actor, "p.household_id")
    where, params = "p.name LIKE ? ESCAPE '\\'" + scoped, [_like_escape(prefix) + "%", *in_scope]
    if db.dialect() == "sqlite":
        where = "p.name >= ? AND p.name < ? AND " + where
        params = [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1), *params]
    rows = await db.fetch(
        f"SELECT {_PERSON_COLUMNS} FROM person p WHERE {where} ORDER BY p.name, p.id LIMIT ?", [*params, limit]
    )
    return [_person(r, BY_NAME) for r in rows]


async def _by_number(number: str, limit: int, actor: Who = None) -> list[Hit]:
    """Persons by ID number (exact, last digits, prefix) and households by code (exact, last digits, prefix)."""
    hits: list[Hit] = []
    tail = number[-4:]
    scoped, in_scope = scope_sql(actor, "p.household_id")
    hits += [_person(r, BY_ID) for r in await db.fetch(
        f"SELECT {_PERSON_COLUMNS} FROM person p WHERE p.id_number = ?{scoped}", [number, *in_scope])]  # fmt: skip
    hits += await _households("h.code = ?", [number], 1, actor)
    hits += [_person(r, BY_ID) for r in await db.fetch(
        f"SELECT {_PERSON_COLUMNS} FROM person p WHERE substr(p.id_number, length(p.id_number) - 3) = ? "
        f"AND p.id_number LIKE ?{scoped} ORDER BY p.id_number LIMIT ?",
        [tail, "%" + number, *in_scope, limit])]  # fmt: skip
    if not number.isdigit():
        return hits
    if len(number) <= HOUSEHOLD_TAIL_MAX:  # serial, group + serial, …: a scan of the household key
        hits += await _households("h.code LIKE ?", ["%" + number], limit, actor)
    if len(number) >= 6:
        end = next_code(number)
        hits += await _households("h.code >= ? AND h.code < ?", [number, end], limit, actor)
        hits += [_person(r, BY_ID) for r in await db.fetch(
            f"SELECT {_PERSON_COLUMNS} FROM person p WHERE p.id_number >= ? AND p.id_number < ?{scoped} "
            "ORDER BY p.id_number LIMIT ?", [number, end, *in_scope, limit])]  # fmt: skip
    return hits


async def _households(where: str, params: list[Any], limit: int, actor: Who = None) -> list[Hit]:
    scoped, in_scope = scope_sql(actor, "h.code")
    rows = await db.fetch(
        "SELECT h.code, (SELECT p.name FROM person p WHERE p.household_id = h.code AND p.cancel_reason IS NULL "
        "ORDER BY CASE WHEN p.relation = ? THEN 0 ELSE 1 END, p.seq, p.id LIMIT 1), h.status "
        f"FROM household h WHERE {where}{scoped} ORDER BY h.code LIMIT ?",
        [HOUSEHOLDER, *params, *in_scope, limit],
    )
    return [Hit(r[0], None, r[1] or "", "", None, "", BY_HOUSEHOLD, r[2] == "closed") for r in rows]


def _split_name(text: str) -> tuple[str, str]:
    """The leading Chinese part of a query and the rest (``李j`` → ``李``, ``j``)."""
    n = 0
    while n < len(text) and not text[n].isascii():
        n += 1
    return text[:n], text[n:]


async def _places(hits: list[Hit]) -> list[Hit]:
    """Fill in the village and group names of the hits."""
    codes = sorted({h.household_code[:12] for h in hits} | {h.household_code[:14] for h in hits})
    if not codes:
        return hits
    marks = ", ".join("?" * len(codes))
    names = {r[0]: r[1] for r in await db.fetch(f"SELECT code, name FROM unit WHERE code IN ({marks})", codes)}
    out = []
    for h in hits:
        group = names.get(h.household_code[:14]) or group_label(h.household_code[12:14])
        place = f"{names.get(h.household_code[:12], h.household_code[:12])}{group}"
        out.append(Hit(h.household_code, h.person_key, h.name, h.sex, h.birth_date, h.id_masked, h.matched,
                       h.cancelled, place))  # fmt: skip
    return out


async def search(text: str, limit: int = LIMIT, *, actor: Who = None) -> list[Hit]:
    """Up to `limit` hits for what was typed (empty for an empty or too short query), only in the actor's
    scope (`store.scope`; None: everything)."""
    query = search_key(text)
    hits: list[Hit] = []
    if _NUMBER.fullmatch(query):
        if len(query) < MIN_DIGITS:
            return []
        hits = await _by_number(query.upper(), limit, actor)
    elif _LETTERS.fullmatch(query):
        hits = await _by_initials(query, "", limit, BY_INITIALS, actor)
    else:
        hanzi, rest = _split_name(query)
        if not hanzi:
            return []
        rest = "".join(c for c in rest if "a" <= c <= "z")
        if rest:
            readings = name_initials(hanzi)
            hits = await _by_initials(readings[0] + rest, hanzi, limit, BY_INITIALS, actor) if readings else []
        else:
            hits = await _by_name(hanzi, limit, actor)
    seen: set[tuple[str, str | None]] = set()
    unique = []
    for hit in hits:
        ident = (hit.household_code, hit.person_key)
        if ident not in seen:
            seen.add(ident)
            unique.append(hit)
    return await _places(unique[:limit])
