"""Passwords never written anywhere: :func:`redact` hides them in text bound for a log, a message or the
audit log (design §4).

A database URL carries its password in the user-info part (``postgres://user:PASSWORD@host/db`` becomes
``postgres://user:***@host/db``); a libpq-style ``password=…`` pair (a DSN, a query string, ``PGPASSWORD=…``)
loses its value the same way. Everything else is left as it is. Crash logs, one-line errors, the audit log
and copies of the command line all pass through this one function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MASK", "redact", "redact_argv"]

MASK = "***"

#: a URL: scheme, then everything up to white space or a quote (the last "@" of it ends the user info)
_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<rest>[^\s'\"<>`]+)")
#: ``password=value`` (also ``PGPASSWORD=``, ``pwd=``, ``passwd:``), the value up to a separator
_PAIR = re.compile(r"(?i)(?P<key>passw(?:or)?d|pwd)(?P<sep>\s*[=:]\s*)(?P<value>[^\s&;,'\"]+)")


def _url(match: re.Match[str]) -> str:
    scheme, rest = match["scheme"], match["rest"]
    at = rest.rfind("@")
    if at < 0:
        return match.group()
    userinfo, host = rest[:at], rest[at + 1 :]
    user, colon, _secret = userinfo.partition(":")
    if not colon:
        return match.group()
    return f"{scheme}{user}:{MASK}@{host}"


def redact(text: str) -> str:
    """`text` with the password of every URL and every ``password=`` pair replaced by ``***``."""
    if "://" in text:
        text = _URL.sub(_url, text)
    if "=" in text or ":" in text:
        text = _PAIR.sub(lambda m: f"{m['key']}{m['sep']}{MASK}" if m["value"] != MASK else m.group(), text)
    return text


def redact_argv(argv: Iterable[str]) -> str:
    """A command line as one line for a log, passwords redacted."""
    return redact(" ".join(argv))
