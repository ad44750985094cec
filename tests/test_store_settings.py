"""The ``setting`` table through store.settings, and the confirmation pins through store.confirmations."""

from __future__ import annotations

import asyncio

from store import db
from store.confirmations import PINS_KEY, load_pins, save_pins
from store.settings import get_json, get_setting, put_json, put_setting, update_json, update_setting


async def test_get_put_and_update(store_db: db.DbTarget) -> None:
    assert await get_setting("x") is None and await get_setting("x", "d") == "d"
    await put_setting("x", "1")
    await put_setting("x", "2")  # replaces
    assert await get_setting("x") == "2"
    assert await db.scalar("SELECT count(*) FROM setting WHERE key = 'x'") == 1
    assert await update_setting("x", lambda old: None) == "2"  # None: left as it is
    assert await update_setting("x", lambda old: f"{old}3") == "23"
    await put_json("j", {"b": 1, "a": "中"})
    assert await get_setting("j") == '{"a": "中", "b": 1}'
    assert await get_json("j") == {"a": "中", "b": 1} and await get_json("missing", []) == []


async def test_concurrent_updates_lose_nothing(store_db: db.DbTarget) -> None:
    await asyncio.gather(*(update_json("counter", lambda n: n + 1, 0) for _ in range(20)))
    assert await get_json("counter") == 20


async def test_pins_merge_or_prune(store_db: db.DbTarget) -> None:
    assert await load_pins() == {}
    await save_pins({"a|R|f": "1"})
    await save_pins({"b|R|f": "2"})
    assert await load_pins() == {"a|R|f": "1", "b|R|f": "2"}
    await save_pins({})  # nothing new: unchanged
    assert await load_pins() == {"a|R|f": "1", "b|R|f": "2"}
    await save_pins({"b|R|f": "3"}, prune=True)  # a whole audit keeps only the pins it used
    assert await load_pins() == {"b|R|f": "3"}
    assert await get_setting(PINS_KEY) == '{"b|R|f": "3"}'
