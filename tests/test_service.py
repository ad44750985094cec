"""The service layer for interactive saves: validation, version check, events, audit log."""

from __future__ import annotations

import copy

import pytest

from store import db
from store.errors import ConflictError, StoreError
from store.importer import import_file
from store.interchange import empty_person
from store.records import load_households
from store.service import save_household
from tests.support.data import EXAMPLE_FILE

CODE = "430426101201010012"


async def stored() -> dict:
    return (await load_households([CODE]))[CODE]


async def test_unchanged_save_changes_nothing(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    record = await stored()
    saved = await save_household(copy.deepcopy(record), operator="clerk")
    assert [p["_version"] for p in saved["members"]] == [p["_version"] for p in record["members"]]
    assert await db.scalar("SELECT count(*) FROM audit_log WHERE action = 'save'") == 0


async def test_new_member_gets_birth_event_and_log(store_db: db.DbTarget) -> None:
    import datetime as dt

    await import_file(EXAMPLE_FILE, operator="tester")
    record = await stored()
    baby = empty_person("h12-9")
    baby.update(name="周小宝", sex="1", birth_date=dt.date(2026, 10, 8), relation="20", ethnicity="01",
                hukou_nature="2", mother="h12-2", father="h12-1", mgmt="01", residence_status="1")  # fmt: skip
    record["members"].append(baby)
    saved = await save_household(record, operator="clerk")
    assert [p["key"] for p in saved["members"]][-1] == "h12-9"
    assert saved["members"][-1]["mother"] == "h12-2"
    rows = await db.fetch(
        "SELECT e.kind, e.operator, e.source FROM change_event e JOIN person p ON p.id = e.person_id WHERE p.key = ?",
        ["h12-9"],
    )
    assert [tuple(r) for r in rows] == [("birth", "clerk", "app")]
    assert await db.scalar("SELECT target FROM audit_log WHERE action = 'save'") == CODE


async def test_stale_version_is_refused(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    mine, theirs = await stored(), await stored()
    theirs["members"][0]["occupation"] = "农民"
    await save_household(theirs, operator="other")
    mine["members"][0]["occupation"] = "教师"
    with pytest.raises(ConflictError):
        await save_household(mine, operator="clerk")
    assert (await stored())["members"][0]["occupation"] == "农民"


async def test_invalid_code_is_refused_with_chinese_message(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    record = await stored()
    record["members"][0]["ethnicity"] = "99"
    with pytest.raises(StoreError, match="民族"):
        await save_household(record, operator="clerk")


async def test_member_cannot_be_dropped(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    record = await stored()
    record["members"].pop()
    with pytest.raises(StoreError, match="注销"):
        await save_household(record, operator="clerk")


async def test_copy_without_versions_cannot_take_over_a_stored_person(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    record = await stored()
    record["members"].append(empty_person("h12-1-copy") | {"name": "新人", "relation": "99"})
    intruder = empty_person("f21-1") | {"name": "冒名", "relation": "99"}  # a key used in another household
    record["members"].append(intruder)
    with pytest.raises(ConflictError, match="已被户"):
        await save_household(record, operator="clerk")


async def test_second_save_of_the_same_opened_copy_is_refused(store_db: db.DbTarget) -> None:
    import datetime as dt

    await import_file(EXAMPLE_FILE, operator="tester")
    mine = await stored()
    baby = empty_person("h12-9") | {"name": "周小宝", "sex": "1", "birth_date": dt.date(2026, 10, 8),
                                    "relation": "20", "mother": "h12-2"}  # fmt: skip
    mine["members"].append(baby)
    await save_household(copy.deepcopy(mine), operator="clerk")
    theirs = await stored()
    theirs["members"][-1]["name"] = "周宝宝"
    await save_household(theirs, operator="other")
    mine["members"][-1]["occupation"] = "学生"
    with pytest.raises(ConflictError):
        await save_household(mine, operator="clerk")
    assert (await stored())["members"][-1]["name"] == "周宝宝"


async def test_concurrent_saves_of_one_household_never_both_win(store_db: db.DbTarget) -> None:
    import asyncio

    await import_file(EXAMPLE_FILE, operator="tester")
    first, second = await stored(), await stored()
    first["members"][0]["occupation"] = "农民"
    second["members"][0]["occupation"] = "教师"
    results = await asyncio.gather(
        save_household(first, operator="a"), save_household(second, operator="b"), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "dict"]
    winner = next(r for r in results if isinstance(r, dict))
    assert (await stored())["members"][0]["occupation"] == winner["members"][0]["occupation"]


async def test_unknown_child_member_is_refused_in_chinese(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    record = await stored()
    wife = next(p for p in record["members"] if p["woman"])
    wife["woman"]["children"][0]["member"] = "nobody-9"
    with pytest.raises(StoreError, match="nobody-9"):
        await save_household(record, operator="clerk")


async def test_app_confirmation_keeps_its_record_version(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    record = await stored()
    person = record["members"][0]
    person["confirmations"] = [{"rule": "MAR2", "fields": ["first_marriage_date"], "reason": "核实", "by": "clerk",
                                "at": "2026-11-01T10:00:00", "_record_version": person["_version"]}]  # fmt: skip
    saved = await save_household(record, operator="clerk")
    assert saved["members"][0]["confirmations"][0]["_record_version"] == person["_version"]


async def test_several_households_are_saved_together_or_not_at_all(store_db: db.DbTarget) -> None:
    from store.service import save_households

    await import_file(EXAMPLE_FILE, operator="tester")
    codes = [str(r[0]) for r in await db.fetch("SELECT code FROM household ORDER BY code")]
    first, second = (await load_households(codes[:2])).values()
    first = copy.deepcopy(first)
    first["members"][0]["occupation"] = "个体"
    stale = copy.deepcopy(second)
    stale["members"][0]["_version"] = stale["members"][0]["_version"] - 1 if stale["members"][0]["_version"] > 1 else 99
    with pytest.raises(ConflictError):
        await save_households([first, stale], operator="clerk")
    again = await load_households(codes[:1])
    assert again[codes[0]]["members"][0].get("occupation") != "个体"  # the first was rolled back too
    assert await db.scalar("SELECT count(*) FROM audit_log WHERE action = 'save'") == 0
    saved = await save_households([first, copy.deepcopy(second)], operator="clerk")
    assert [s["household"]["code"] for s in saved] == codes[:2]
    assert saved[0]["members"][0]["occupation"] == "个体"


async def test_a_busy_database_gives_a_chinese_message_and_changes_nothing(sqlite_path) -> None:
    """Another writer holds the database past the busy timeout: the save says so in Chinese, nothing is half
    written, and the caller still has the record (the form keeps what was typed)."""
    import sqlite3

    from store import db as store_db
    from store.service import BUSY_MESSAGE

    async with store_db.database(sqlite_path):
        await import_file(EXAMPLE_FILE, operator="tester")
        record = copy.deepcopy(await stored())
        record["members"][0]["occupation"] = "个体"
        blocker = sqlite3.connect(sqlite_path, timeout=0.1)
        blocker.execute("BEGIN IMMEDIATE")
        old_timeout = await store_db.scalar("PRAGMA busy_timeout")
        await store_db.execute("PRAGMA busy_timeout = 200")
        try:
            with pytest.raises(StoreError) as caught:
                await save_household(record, operator="clerk")
        finally:
            blocker.rollback()
            blocker.close()
            await store_db.execute(f"PRAGMA busy_timeout = {int(old_timeout)}")
        assert str(caught.value) == BUSY_MESSAGE
        assert (await stored())["members"][0].get("occupation") != "个体"
        saved = await save_household(record, operator="clerk")  # later it goes through
        assert saved["members"][0]["occupation"] == "个体"
