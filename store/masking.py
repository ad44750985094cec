"""Masking ID numbers for those who may not see them whole (data minimisation, README "Security").

One rule, :func:`mask_id`: normalise first (full-width digits and letters half-width, whitespace and
separators such as ``-``, ``.``, ``/`` removed), then keep the first 6 and the last 4 characters:
``430426********0133``. :func:`mask_ids_in_text` finds ID-like numbers inside free text (finding messages,
values) however they are written — hyphenated, spaced, full-width — and masks each with :func:`mask_id`.
Who sees full numbers is decided in `store.access` (``Action.EXPORT_FULL_IDS``).
"""

from __future__ import annotations

import re

from store.textsafe import normalize_id

__all__ = ["KEEP_HEAD", "KEEP_TAIL", "mask_id", "mask_ids_in_text"]

#: characters kept at the start (the region code) and at the end of a masked number
KEEP_HEAD, KEEP_TAIL = 6, 4

#: separators people write inside ID numbers (after full-width characters were made half-width)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_.·・/\\,，、]+")
_DIGIT = "0-9\uff10-\uff19"
_SEP = r"[\s\-‐‑‒–—―_.·・/\\－．　]"
#: an ID-like number in text: 14 to 19 digits (full-width too), separators allowed between them, maybe an X
_ID_IN_TEXT = re.compile(
    rf"(?<![{_DIGIT}])[{_DIGIT}](?:{_SEP}{{0,2}}[{_DIGIT}]){{13,18}}(?:{_SEP}{{0,2}}[XxＸｘ])?(?![{_DIGIT}XxＸｘ])"
)


def compact_id(raw: str) -> str:
    """An ID number as written, normalised and without separators (``430426-1990…`` → ``4304261990…``)."""
    return _SEPARATORS.sub("", normalize_id(raw))


def mask_id(raw: str | None) -> str:
    """`raw` with everything but the first 6 and last 4 characters replaced by ``*`` (``430426********0133``);
    a value too short to keep anything (10 characters or fewer) is masked whole. Empty stays empty."""
    if not raw:
        return ""
    text = compact_id(str(raw))
    if len(text) <= KEEP_HEAD + KEEP_TAIL:
        return "*" * len(text)
    return text[:KEEP_HEAD] + "*" * (len(text) - KEEP_HEAD - KEEP_TAIL) + text[-KEEP_TAIL:]


def _is_household_code(written: str) -> bool:
    """An 18-digit household code (village 12 + group 2 + serial 4) written plainly is not an ID number:
    its 7th–8th digits (township, village) are never a birth century 18–20."""
    return len(written) == 18 and written.isascii() and written.isdigit() and not "18" <= written[6:8] <= "20"


def _mask_match(match: re.Match[str]) -> str:
    written = match.group(0)
    return written if _is_household_code(written) else mask_id(written)


def mask_ids_in_text(text: str) -> str:
    """`text` with every ID-like number (14 to 19 digits and maybe an X, separators and full-width digits
    included) masked by :func:`mask_id`; plainly written 18-digit household codes stay readable."""
    return _ID_IN_TEXT.sub(_mask_match, text)
