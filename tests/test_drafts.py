"""Drafts of the entry forms: written atomically with mode 0600, read back with dates, per user and household."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest

from store import drafts


def test_round_trip_with_dates(tmp_path: Path) -> None:
    payload = {"record": {"household": {"code": "430426101201010007"},
                          "members": [{"key": "a", "birth_date": dt.date(1985, 3, 12), "woman": None,
                                       "benefits": [], "rural": True}]}, "person_key": "a"}  # fmt: skip
    path = drafts.save("li", "430426101201010007", payload, base=tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.parent == drafts.draft_dir(tmp_path)
    draft = drafts.load("li", "430426101201010007", base=tmp_path)
    assert draft is not None and draft.payload == payload
    assert abs(draft.saved_at - dt.datetime.now()) < dt.timedelta(minutes=1)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_per_user_and_household(tmp_path: Path) -> None:
    drafts.save("li", "A", {"n": 1}, base=tmp_path)
    drafts.save("wang", "A", {"n": 2}, base=tmp_path)
    drafts.save("li", "B", {"n": 3}, base=tmp_path)
    assert drafts.load("li", "A", base=tmp_path).payload == {"n": 1}  # type: ignore[union-attr]
    assert drafts.load("wang", "A", base=tmp_path).payload == {"n": 2}  # type: ignore[union-attr]
    drafts.save("li", "A", {"n": 4}, base=tmp_path)  # replaces
    assert drafts.load("li", "A", base=tmp_path).payload == {"n": 4}  # type: ignore[union-attr]
    drafts.discard("li", "A", base=tmp_path)
    drafts.discard("li", "A", base=tmp_path)  # nothing there: no error
    assert drafts.load("li", "A", base=tmp_path) is None
    assert drafts.load("li", "B", base=tmp_path) is not None


def test_unreadable_draft_is_ignored(tmp_path: Path) -> None:
    path = drafts.save("li", "A", {"n": 1}, base=tmp_path)
    path.write_text("{not json", encoding="utf-8")
    assert drafts.load("li", "A", base=tmp_path) is None


def test_default_folder_is_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = drafts.save("li", "A", {"n": 1})
    assert path.is_relative_to(tmp_path) and path.parent.name == "drafts"
    assert drafts.load("li", "A") is not None
