"""The browse tree, the household detail and search, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from store import browse, db, search, service
from store.browse import GROUP, HOUSEHOLD, PERSON, UNIT, Counts, Node
from store.importer import import_file
from store.records import load_households
from tests.support.data import EXAMPLE_FILE

H12 = "430426101201010012"  # 周建军 (h12-1), 陈美华 (h12-2), 周欣怡 (h12-3), 周浩然 (h12-4)
H3 = "430426101201020003"  # 赵桂英 (h3-1)
F21 = "430426101202010021"  # 王德明 (f21-1), 杨丽 (f21-2)


async def _finding(code: str, severity: str, rule: str, key: str | None, message: str, confirmed: bool = False) -> None:
    await db.execute(
        "INSERT INTO finding (rule, severity, scope, household_code, village_code, person_key, related_json, "
        "fields_json, message, confirmed) VALUES (?, ?, 'person', ?, ?, ?, '[]', '[]', ?, ?)",
        [rule, severity, code, code[:12], key, message, confirmed],
    )


@pytest.fixture
async def example(store_db: db.DbTarget) -> db.DbTarget:
    """The example file with stored findings: two E and one W in 0012, one W in 二组 0003, and findings that
    do not count (a confirmed E, an information note)."""
    await import_file(EXAMPLE_FILE, operator="tester")
    await _finding(H12, "E", "MAR2", "h12-2", "初婚年龄低于法定婚龄。")
    await _finding(H12, "E", "ID02", "h12-2", "身份证号校验位错误。")
    await _finding(H12, "W", "REQ7", "h12-4", "婴儿无身份证号。")
    await _finding(H12, "E", "ID03", "h12-1", "已核实的问题。", confirmed=True)
    await _finding(H12, "I", "INF1", "h12-1", "提示。")
    await _finding(H3, "W", "FLW2", "h3-1", "流动未满 3 个月。")
    return store_db


def test_codes_and_group_labels() -> None:
    assert browse.next_code("430426101201") == "430426101202"
    assert browse.next_code("43042610129") == "43042610130"
    assert browse.next_code("99") > "99" + "9" * 16
    assert [browse.group_label(g) for g in ("01", "09", "10", "11", "20", "23", "00")] == [
        "一组", "九组", "十组", "十一组", "二十组", "二十三组", "00组"]  # fmt: skip
    node = Node(HOUSEHOLD, H12, "0012 周建军", Counts(4, 2, 1))
    assert node.label() == "0012 周建军 4人 E2 W1"
    assert Node(UNIT, "430426101", "城关镇", Counts(7)).label() == "城关镇 7人"


async def test_tree_levels_carry_persons_and_open_findings(example: db.DbTarget) -> None:
    top = await browse.top()
    assert top is not None
    root, townships = top
    assert root.label() == "祁东县 7人 E2 W2"
    assert [t.label() for t in townships] == ["城关镇 7人 E2 W2"]
    villages = await browse.children(townships[0])
    assert [(v.kind, v.level, v.label()) for v in villages] == [
        (UNIT, "village", "东风村 5人 E2 W2"), (UNIT, "village", "红星村 2人")]  # fmt: skip
    groups = await browse.children(villages[0])
    assert [(g.kind, g.code, g.label()) for g in groups] == [
        (GROUP, "43042610120101", "一组 4人 E2 W1"), (GROUP, "43042610120102", "二组 1人 W1")]  # fmt: skip
    households = await browse.children(groups[0])
    assert [(h.kind, h.code, h.label()) for h in households] == [(HOUSEHOLD, H12, "0012 周建军 4人 E2 W1")]
    persons = await browse.children(households[0])
    assert [(p.kind, p.key, p.label()) for p in persons] == [
        (PERSON, "h12-1", "户主 周建军"), (PERSON, "h12-2", "妻 陈美华 E2"),
        (PERSON, "h12-3", "长女 周欣怡"), (PERSON, "h12-4", "长子 周浩然 W1")]  # fmt: skip
    assert await browse.children(persons[0]) == []
    assert await browse.path_to(F21) == ["430426", "430426101", "430426101202"]


async def test_cancelled_persons_leave_the_counts_but_stay_listed(example: db.DbTarget) -> None:
    record = (await load_households([H3]))[H3]
    record["members"][0]["death_date"] = "2026-01-05"
    record["members"][0]["cancel"] = {"reason": "01", "date": "2026-01-06"}
    await service.save_household(record, operator="tester")
    groups = await browse.village_groups("430426101201")
    assert groups[1].label() == "二组 0人 W1"
    households = await browse.group_households(groups[1].code)
    assert households[0].label() == "0003 （无人） 0人 W1"
    persons = await browse.household_persons(H3)
    assert [p.label() for p in persons] == ["户主 赵桂英 W1 已注销"]
    detail = await browse.household_detail(H3)
    assert detail is not None and detail.persons == 0
    assert detail.members[0].cancelled == "死亡"


async def test_household_detail(example: db.DbTarget) -> None:
    detail = await browse.household_detail(H12)
    assert detail is not None
    assert (detail.code, detail.address, detail.hukou_type, detail.kind, detail.persons) == (
        H12, "城关镇东风村一组12号", "农业", "家庭户", 4)  # fmt: skip
    assert detail.place == "城关镇 › 东风村 › 一组"
    rows = [(m.relation, m.name, m.sex, str(m.birth_date), m.id_masked, m.errors, m.warnings) for m in detail.members]
    assert rows == [
        ("户主", "周建军", "男", "1984-07-21", "4304…0133", 0, 0),
        ("妻", "陈美华", "女", "1987-02-14", "4304…022X", 2, 0),
        ("长女", "周欣怡", "女", "2011-05-08", "4304…026X", 0, 0),
        ("长子", "周浩然", "男", "2017-03-26", "4304…0156", 0, 1),
    ]
    assert [(i.severity, i.rule, detail.name_of(i.person_key), i.confirmed) for i in detail.issues] == [
        ("E", "MAR2", "陈美华", False), ("E", "ID02", "陈美华", False), ("W", "REQ7", "周浩然", False),
        ("I", "INF1", "周建军", False), ("E", "ID03", "周建军", True)]  # fmt: skip
    assert await browse.household_detail("430426101201019999") is None


async def _hits(text: str) -> list[tuple[str, str | None, str]]:
    return [(h.household_code, h.person_key, h.matched) for h in await search.search(text)]


async def test_search_by_name_initials_id_and_household_code(example: db.DbTarget) -> None:
    assert [h.person_key for h in await search.search("周")] == ["h12-1", "h12-3", "h12-4"]  # 建 < 欣 < 浩
    assert await _hits("陈美") == [(H12, "h12-2", "姓名")]
    assert await _hits("zjj") == [(H12, "h12-1", "拼音")]
    assert await _hits("ZJ") == [(H12, "h12-1", "拼音")]
    assert await _hits("周x") == [(H12, "h12-3", "拼音")]
    assert await _hits("022x") == [(H12, "h12-2", "身份证")]
    assert await _hits("４３０４２６２０１１０５０８０２６Ｘ") == [(H12, "h12-3", "身份证")]
    assert await _hits("5107221990") == [(F21, "f21-1", "身份证")]
    assert await _hits("0021") == [(F21, None, "户编码")]
    assert await _hits(H3) == [(H3, None, "户编码")]
    assert [h[1] for h in await _hits("4304261012010")] == [None, None]
    assert await _hits("013") == []  # fewer than four digits
    assert await _hits("%") == [] and await _hits("") == [] and await _hits("  ") == []
    assert await _hits("王_") == [(F21, "f21-1", "姓名")]  # what is not a letter after the name is ignored
    hit = (await search.search("cmh"))[0]
    assert hit.line() == "陈美华 女 1987-02-14 4304…022X 东风村一组0012"
    household = (await search.search("0003"))[0]
    assert household.line() == "[户] 赵桂英 东风村二组0003"


async def test_search_limit_and_order(store_db: db.DbTarget) -> None:
    await import_file(EXAMPLE_FILE, operator="tester")
    # initials order, each person once: 周浩然 zgr (and zhr), 赵桂英 zgy, 周建军 zjj, 周欣怡 zxy
    assert [h.person_key for h in await search.search("z", limit=2)] == ["h12-4", "h3-1"]
    assert [h.person_key for h in await search.search("z", limit=5)] == ["h12-4", "h3-1", "h12-1", "h12-3"]
    assert [h.person_key for h in await search.search("zhr")] == ["h12-4"]


# --- the counts of every level against one GROUP BY per level (the queries before schema 6) -----------------


async def _grouped(width: int, parent: str, actor: list[str] | None) -> dict[str, tuple[int, int, int]]:
    """Active persons and open E / W findings by the first `width` characters of the household code under
    `parent`, with a GROUP BY over a computed prefix (how the tree counted before its per-range counts)."""
    from store.scope import scope_sql

    end = browse.next_code(parent)
    scoped, params = scope_sql(actor, "household_id")
    persons = await db.fetch(
        f"SELECT substr(household_id, 1, {width}), count(*) FROM person WHERE household_id >= ? "
        f"AND household_id < ? AND cancel_reason IS NULL{scoped} GROUP BY 1",
        [parent, end, *params],
    )
    scoped, params = scope_sql(actor, "household_code")
    findings = await db.fetch(
        f"SELECT substr(household_code, 1, {width}), severity, count(*) FROM finding WHERE household_code >= ? "
        f"AND household_code < ? AND NOT confirmed AND severity IN ('E', 'W'){scoped} GROUP BY 1, 2",
        [parent, end, *params],
    )
    out = {str(r[0]): [int(r[1]), 0, 0] for r in persons}
    for prefix, severity, n in findings:
        out.setdefault(str(prefix), [0, 0, 0])[1 if severity == "E" else 2] += int(n)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


@pytest.mark.parametrize("actor", [None, ["430426101201", "43042610120203"]], ids=["county", "scoped"])
async def test_tree_counts_match_a_grouped_count_on_a_faulty_demo(
    store_db: db.DbTarget, tmp_path: object, actor: list[str] | None
) -> None:
    """On a demo township with many planted faults, audited, with some persons cancelled: every unit's, village's
    and group's counts equal one GROUP BY per level, for the whole database and for an actor with units."""
    from pathlib import Path

    from checks.runner import run_audit
    from store.demo import generate, to_jsonl_lines

    folder = Path(str(tmp_path))
    demo = folder / "demo.jsonl"
    as_of = __import__("datetime").date(2026, 6, 30)
    demo.write_text("".join(line + "\n" for line in to_jsonl_lines(generate(600, seed=3, error_rate=0.15,
                                                                             as_of=as_of))), encoding="utf-8")  # fmt: skip
    report = await import_file(demo, operator="tester")
    assert not report.errors
    await run_audit(as_of, today=as_of)
    cancelled = await db.scalar("SELECT count(*) FROM person WHERE cancel_reason IS NOT NULL")
    findings = await db.scalar("SELECT count(*) FROM finding WHERE severity IN ('E', 'W') AND NOT confirmed")
    assert cancelled and findings  # both sides of each count are exercised
    top = await browse.top(actor=actor)
    assert top is not None
    root, kids = top
    pending = [(root, kids)]
    levels = 0
    while pending:
        parent, nodes = pending.pop()
        if not nodes or nodes[0].kind == HOUSEHOLD:
            continue
        levels += 1
        width = len(nodes[0].code)
        expected = await _grouped(width, parent.code, actor)
        got = {n.code: (n.counts.persons, n.counts.errors, n.counts.warnings) for n in nodes}
        assert got == {code: expected.get(code, (0, 0, 0)) for code in got}
        assert sum(v[0] for v in expected.values()) == sum(v[0] for v in got.values())
        for node in nodes:
            pending.append((node, await browse.children(node, actor=actor)))
    assert levels >= (3 if actor is None else 2)  # township → villages → groups (an actor's top is its village)
    if actor is None:
        assert (await browse.refreshed(kids[0])).counts == kids[0].counts
