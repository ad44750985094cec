"""The browse screen driven with Textual's Pilot at 80×24, as a clerk would: open the tree level by level,
open a household with a finding, search by pinyin initials and jump, help, quit."""

from __future__ import annotations

import re

import pytest
from textual.pilot import Pilot

from store import db
from tests.support.apps import make_app
from tests.support.pilot import screen_text, settle, shown
from tui.screens.browse import BrowseScreen, HouseholdTree, wrap_cells
from tui.screens.review import ReviewScreen


@pytest.fixture
def demo_db(small_demo: db.DbTarget) -> db.DbTarget:
    """The small audited demo township (stored findings exist)."""
    return small_demo


def _app(target: db.DbTarget):
    return make_app(target, "demo")


async def _target_household() -> tuple[str, str, str]:
    """A household with an open finding on a member: (household code, finding message, person key)."""
    rows = await db.fetch(
        "SELECT household_code, message, person_key FROM finding WHERE NOT confirmed AND severity IN ('E', 'W') "
        "AND person_key IS NOT NULL ORDER BY household_code DESC LIMIT 1"
    )
    return rows[0][0], rows[0][1], rows[0][2]


async def _press_to(pilot: Pilot, tree: HouseholdTree, code: str) -> None:
    """Move the cursor down to the node with `code` among the children of the cursor node, and press Enter."""
    node = tree.cursor_node
    assert node is not None
    codes = [c.data.code for c in node.children if c.data is not None]
    assert code in codes, (code, codes)
    await pilot.press(*["down"] * (codes.index(code) + 1), "enter")
    await settle(pilot, lambda: tree.cursor_node is not None and tree.cursor_node.data is not None
                 and tree.cursor_node.data.code == code)  # fmt: skip


async def test_clerk_opens_a_household_level_by_level(demo_db: db.DbTarget) -> None:
    code, message, key = await _target_household()
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        tree = screen.query_one(HouseholdTree)
        await settle(
            pilot,
            lambda: (
                bool(tree.root.children)
                and tree.root.children[0].is_expanded
                and bool(tree.root.children[0].children)
                and tree.root.children[0].children[0].data is not None
            ),
        )
        township = tree.root.children[0]
        assert township.data is not None and township.data.code == code[:9]
        assert "人" in township.label.plain and "E" in township.label.plain  # 城关镇 600人 E.. W..
        assert tree.cursor_node is township
        await _press_to(pilot, tree, code[:12])  # the village: Enter opens it
        await _press_to(pilot, tree, code[:14])  # the group
        await _press_to(pilot, tree, code)  # the household: Enter opens its members and the detail
        await settle(pilot, lambda: screen.detail is not None and screen.live)
        household = tree.cursor_node
        assert household is not None and household.is_expanded
        assert any(c.data is not None and c.data.key == key for c in household.children)
        text = shown(screen.query_one("#detail-body"))
        assert screen.detail is not None and screen.detail.code == code
        for member in screen.detail.members:
            assert member.name[:2] in text and member.id_masked in text
        assert "问题（按当前数据审核）" in text
        assert "".join(message.split())[:12] in "".join(text.split())  # the finding, wrapped in the panel
        assert "城关镇 ›" in shown(screen.query_one("#crumb"))
        assert "演示数据" in shown(screen.query_one("#status"))
        keys = shown(screen.query_one("#keys"))
        assert "F1帮助 Enter打开 Ins新户 /查找 F4变更录入 F6审核 F7质量 F8导出 Esc退出" in keys
        views = await db.fetch("SELECT username, target, detail FROM audit_log WHERE action = 'view'")
        assert [tuple(v) for v in views] == [("demo", code, "")]
        # a member of the open household: highlighted, logged with the person's key
        await pilot.press("down")
        member = tree.cursor_node
        assert member is not None and member.data is not None and member.data.kind == "person"
        await pilot.press("enter")
        await settle(pilot, lambda: screen.person_key == member.data.key)
        views = await db.fetch("SELECT username, target, detail FROM audit_log WHERE action = 'view'")
        assert [tuple(v) for v in views][1:] == [("demo", code, member.data.key)]
        await settle(pilot, lambda: type(app.screen).__name__ == "PersonForm" and app.screen.ready)  # type: ignore[attr-defined]
        await pilot.press("escape")  # Enter on a person opened the person form: leave it (nothing changed)
        await settle(pilot, lambda: app.screen is screen)
        await pilot.press("escape")  # Esc on the tree asks 退出 Renkou？
        await settle(pilot, lambda: app.screen is not screen)
        await pilot.press("y")
    assert app.return_code == 0


async def test_search_by_initials_jumps_to_the_person(demo_db: db.DbTarget) -> None:
    code, _, key = await _target_household()
    rows = await db.fetch(
        "SELECT nk.initials, p.name FROM name_key nk JOIN person p ON p.id = nk.person_id WHERE p.key = ? "
        "ORDER BY nk.id LIMIT 1",
        [key],
    )
    initials, name = rows[0][0], rows[0][1]
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        tree = screen.query_one(HouseholdTree)
        await settle(pilot, lambda: bool(tree.root.children))
        await pilot.press("slash")
        search = app.screen
        assert type(search).__name__ == "SearchScreen"
        await pilot.press(*initials)
        await settle(pilot, lambda: any(h.person_key == key for h in search.hits))  # type: ignore[attr-defined]
        position = [h.person_key for h in search.hits].index(key)  # type: ignore[attr-defined]
        listing = shown(search.query_one("#search-hits"))
        assert name in listing
        await pilot.press(*["down"] * position, "enter")
        await settle(pilot, lambda: screen.detail is not None and screen.detail.code == code)
        assert app.screen is screen
        node = tree.cursor_node
        assert node is not None and node.data is not None and node.data.key == key
        assert screen.person_key == key
        views = await db.fetch("SELECT target, detail FROM audit_log WHERE action = 'view'")
        assert [tuple(v) for v in views] == [(code, key)]


async def test_search_by_id_tail_and_nothing_found(demo_db: db.DbTarget) -> None:
    number, key = (await db.fetch(
        "SELECT id_number, key FROM person WHERE id_number IS NOT NULL ORDER BY id DESC LIMIT 1"))[0]  # fmt: skip
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: screen.query_one(HouseholdTree).root.children != [])
        await pilot.press("f3", *number[-6:])
        search = app.screen
        await settle(pilot, lambda: any(h.person_key == key for h in search.hits))  # type: ignore[attr-defined]
        await pilot.press("ctrl+u", *"qqqqqq")
        await settle(pilot, lambda: "没有找到" in shown(search.query_one("#search-status")))
        await pilot.press("escape")
        assert app.screen is screen and screen.detail is None


async def test_help_other_screens_and_quit(demo_db: db.DbTarget) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: screen.query_one(HouseholdTree).root.children != [])
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        assert "拼音首字母" in screen_text(app.screen)
        await pilot.press("escape")
        assert app.screen is screen
        for key, name in (("f4", "ChangeEntryScreen"), ("f8", "ExportScreen"), ("f7", "QualityScreen")):
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen).__name__ == name
            await app.screen.workers.wait_for_complete()
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen, name
        await pilot.press("f6")
        await settle(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is screen)
        await pilot.press("escape")  # Esc on the tree asks 退出 Renkou？
        await settle(pilot, lambda: app.screen is not screen)
        await pilot.press("y")
    assert app.return_code == 0


async def test_open_household_from_another_screen(demo_db: db.DbTarget) -> None:
    code, _, key = await _target_household()
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        assert screen.has_class("-wide") and screen.query_one(HouseholdTree).outer_size.width == 46
        await pilot.press("f1")
        app.open_household(code, key)
        await settle(pilot, lambda: screen.detail is not None and screen.detail.code == code)
        assert app.screen is screen
        node = screen.query_one(HouseholdTree).cursor_node
        assert node is not None and node.data is not None and node.data.key == key


def test_wrap_keeps_numbers_whole_and_punctuation_off_line_starts() -> None:
    lines = wrap_cells(
        "E PRG5 阳晶晶 第 1 条孕情结局为活产（2022-04-24），生育史中没有前后 30 天内出生的亲生子女。", 36
    )
    assert lines == [
        "E PRG5 阳晶晶 第 1 条孕情结局为活产",
        "  （2022-04-24），生育史中没有前后",
        "  30 天内出生的亲生子女。",
    ]


async def test_a_save_refreshes_the_tree_counts_and_the_household_panel(demo_db: db.DbTarget) -> None:
    """Fix a 民族 left empty (REQ1) in the person form: as soon as the save completes, the tree counts of the
    household, group, village and township and the household panel below the form are current; back on the
    browse screen they still are."""
    from tests.support.pilot import field, focused_path
    from tui.screens.person_form import PersonForm

    code, key = (await db.fetch(
        "SELECT household_code, person_key FROM finding WHERE rule = 'REQ1' AND fields_json LIKE '%ethnicity%' "
        "ORDER BY household_code LIMIT 1"))[0]  # fmt: skip

    async def open_errors(prefix: str) -> int:
        return int(await db.scalar(
            "SELECT count(*) FROM finding WHERE NOT confirmed AND severity = 'E' AND household_code LIKE ?",
            [prefix + "%"]))  # fmt: skip

    prefixes = (code[:9], code[:12], code[:14], code)
    before = [await open_errors(p) for p in prefixes]
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        tree = screen.query_one(HouseholdTree)
        screen.show_household(code, key)
        await settle(pilot, lambda: screen.detail is not None and screen.detail.code == code and screen.live)
        assert any(i.rule == "REQ1" and i.person_key == key for i in screen.detail.issues)

        def errors_shown() -> list[int]:
            """The E counts of the township, village, group and household labels above the cursor."""
            node, out = tree.cursor_node, []
            while node is not None and not node.is_root:
                if node.data is not None and node.data.kind != "person":
                    found = re.search(r" [■!]E(\d+)", node.label.plain)
                    out.append(int(found.group(1)) if found else 0)
                node = node.parent
            return list(reversed(out))

        assert errors_shown() == before
        await pilot.press("enter")  # the person under the cursor: the person form
        await settle(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready)
        form = app.screen
        for _ in range(40):  # Tab to 民族, as a clerk would
            if focused_path(form) == "ethnicity":
                break
            await pilot.press("tab")
        assert focused_path(form) == "ethnicity" and field(form, "ethnicity").value in ("", None)
        await pilot.press("0", "1", "f2")
        await settle(pilot, lambda: form.stored and not form.dirty and not form.saving)  # type: ignore[attr-defined]
        after = [await open_errors(p) for p in prefixes]
        assert after == [n - 1 for n in before]
        # still in the form: the browse screen below has read the tree and the household again
        await settle(pilot, lambda: screen.detail is not None and screen.live
                     and not any(i.rule == "REQ1" and i.person_key == key for i in screen.detail.issues))  # fmt: skip
        assert errors_shown() == after
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is screen and screen.detail is not None and screen.live)
        text = shown(screen.query_one("#detail-body"))
        assert "问题（按当前数据审核）" in text and "民族" not in text.split("问题（按当前数据审核）")[1]
        assert errors_shown() == after


def _nodes(tree: HouseholdTree) -> int:
    """Nodes the tree holds (open or not)."""
    stack, count = [tree.root], 0
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(node.children)
    return count


async def test_closed_levels_are_dropped_and_read_again(demo_db: db.DbTarget) -> None:
    """← on an open group drops its households (→ reads them again, same labels); a jump to another village
    closes the branch opened before, so walking the county keeps the tree at one open path."""
    rows = await db.fetch("SELECT min(code), max(code) FROM household")
    first, last = rows[0][0], rows[0][1]
    assert first[:12] != last[:12]  # two villages
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        tree = screen.query_one(HouseholdTree)
        await settle(pilot, lambda: bool(tree.root.children) and bool(tree.root.children[0].children))
        at_top = _nodes(tree)
        screen.show_household(first, log=False)
        await settle(pilot, lambda: tree.cursor_node is not None and tree.cursor_node.data is not None
                     and tree.cursor_node.data.code == first)  # fmt: skip
        group = tree.cursor_node.parent
        assert group is not None and group.is_expanded
        labels = [str(c.label) for c in group.children]
        opened = _nodes(tree)
        assert opened > at_top + len(labels)
        await pilot.press("left", "left")  # to the group, then close it
        await settle(pilot, lambda: not group.is_expanded and not group.children)
        assert _nodes(tree) == opened - len(labels)
        await pilot.press("right")
        await settle(
            pilot, lambda: group.is_expanded and bool(group.children) and "加载中" not in str(group.children[0].label)
        )
        assert [str(c.label) for c in group.children] == labels
        village = group.parent
        assert village is not None and village.is_expanded
        screen.show_household(last, log=False)
        await settle(pilot, lambda: tree.cursor_node is not None and tree.cursor_node.data is not None
                     and tree.cursor_node.data.code == last)  # fmt: skip
        await settle(pilot, lambda: not village.is_expanded and not village.children)
        assert screen.detail is not None and screen.detail.code == last
        path, node = set(), tree.cursor_node
        while node is not None:
            path.add(node.id)
            node = node.parent
        stack, loaded = [tree.root], []
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if node.children and not node.is_root:
                loaded.append(node.id)
        assert set(loaded) <= path  # only the path to the household holds children
