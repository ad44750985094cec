"""A frozen "today" for screens that show dates: snapshot tests must not depend on the day they run."""

from __future__ import annotations

import datetime as _real
import importlib
import pkgutil
import sys
import types

import pytest

PACKAGES = ("tui", "store", "checks", "exports")


def _import_all() -> None:
    """Import every module of the app so that modules imported later by the screens are patched too."""
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if info.name.rsplit(".", 1)[-1] != "__main__":  # running a __main__ module would start a command
                importlib.import_module(info.name)


def frozen_datetime(today: _real.date, now: _real.datetime) -> types.ModuleType:
    """A stand-in for the ``datetime`` module whose ``date.today()`` and ``datetime.now()`` are fixed. Its
    classes make and accept the real ``date`` and ``datetime`` objects (database drivers need those)."""

    class _Meta(type):
        def __instancecheck__(cls, obj: object) -> bool:
            return isinstance(obj, cls.__mro__[1])

        def __subclasscheck__(cls, sub: type) -> bool:
            return issubclass(sub, cls.__mro__[1])

    class FrozenDate(_real.date, metaclass=_Meta):
        def __new__(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
            return _real.date(*args, **kwargs)

        @classmethod
        def today(cls) -> _real.date:  # type: ignore[override]
            return today

    class FrozenDateTime(_real.datetime, metaclass=_Meta):
        def __new__(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
            return _real.datetime(*args, **kwargs)

        @classmethod
        def now(cls, tz: _real.tzinfo | None = None) -> _real.datetime:  # type: ignore[override]
            return now if tz is None else now.replace(tzinfo=tz)

        @classmethod
        def today(cls) -> _real.datetime:  # type: ignore[override]
            return now

    module = types.ModuleType("datetime")
    module.__dict__.update({k: v for k, v in vars(_real).items() if not k.startswith("__")})
    module.date = FrozenDate  # type: ignore[attr-defined]
    module.datetime = FrozenDateTime  # type: ignore[attr-defined]
    return module


def freeze_today(monkeypatch: pytest.MonkeyPatch, today: _real.date, now: _real.datetime | None = None) -> None:
    """Make ``date.today()``/``datetime.now()`` in the app's modules return `today`/`now` for this test.

    Every module of tui/, store/, checks/ and exports/ that holds the ``datetime`` module (``import datetime
    as dt``) or its ``date``/``datetime`` classes gets the frozen ones; the real module is left alone."""
    now = now or _real.datetime.combine(today, _real.time(9, 30))
    fake = frozen_datetime(today, now)
    _import_all()
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in PACKAGES:
            continue
        for attr, value in list(vars(module).items()):
            if value is _real:
                monkeypatch.setattr(module, attr, fake)
            elif value is _real.date:
                monkeypatch.setattr(module, attr, fake.date)
            elif value is _real.datetime:
                monkeypatch.setattr(module, attr, fake.datetime)
