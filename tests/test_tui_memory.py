"""Issue 13, memory: opening person forms from the tree, one household after another, does not grow what the app
keeps alive — DOM nodes, asyncio tasks, workers, tree nodes — once a first round of openings has built the kept
form (counted after a collection; never the resident memory, which depends on the allocator and the machine)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from textual.dom import DOMNode
from textual.pilot import Pilot
from textual.widgets.tree import TreeNode
from textual.worker import Worker

from store import db
from tests.support.apps import make_app
from tests.support.pilot import settle
from tui.screens.browse import BrowseScreen, HouseholdTree
from tui.screens.person_form import PersonForm


async def _one_per_group() -> list[tuple[str, str]]:
    """(household code, key of its first member) of a household with two members or more in each group."""
    rows = await db.fetch(
        "SELECT a.household_id, a.key FROM person a JOIN person b ON b.household_id = a.household_id "
        "AND b.seq = a.seq + 1 WHERE a.seq = 0 AND a.cancel_reason IS NULL AND b.cancel_reason IS NULL "
        "ORDER BY a.household_id"
    )
    picked: dict[str, tuple[str, str]] = {}
    for code, key in rows:
        picked.setdefault(code[:14], (code, key))
    return list(picked.values())


async def _open_one(pilot: Pilot, browse: BrowseScreen, code: str, key: str) -> None:
    """Jump to the person, Enter on it (the kept form), Ctrl+N, Esc back to the tree."""
    app = pilot.app
    tree = browse.query_one(HouseholdTree)
    browse.show_household(code, key, log=False)
    await settle(pilot, lambda: browse.detail is not None and browse.detail.code == code
                 and tree.cursor_node is not None and tree.cursor_node.data is not None
                 and tree.cursor_node.data.key == key)  # fmt: skip
    tree.focus()
    await pilot.press("enter")
    await settle(pilot, lambda: isinstance(app.screen, PersonForm) and app.screen.ready
                 and app.screen.person_key == key)  # fmt: skip
    form = app.screen
    await pilot.press("ctrl+n")
    await settle(pilot, lambda: form.ready and form.person_key != key)
    await pilot.press("escape")
    await settle(pilot, lambda: app.screen is browse)


def _earlier_objects() -> set[int]:
    """The person forms and tree nodes alive now (ids), after a collection."""
    gc.collect()
    return {id(o) for o in gc.get_objects() if isinstance(o, (PersonForm, TreeNode))}


def _alive(app: Any, earlier: set[int]) -> dict[str, int]:
    """What the app keeps alive, counted after a collection (the objects the warm-up froze included: a frozen
    object is not in ``gc.get_objects``, so they are unfrozen for the count and frozen again)."""
    frozen = gc.get_freeze_count() > 0
    gc.unfreeze()
    gc.collect()
    objects = gc.get_objects()
    counts = {
        "DOM nodes": sum(1 for o in objects if isinstance(o, DOMNode)),
        "tasks": len(asyncio.all_tasks()),
        "workers": sum(1 for o in objects if isinstance(o, Worker)),
        "person forms": sum(1 for o in objects if isinstance(o, PersonForm) and id(o) not in earlier),
        "tree nodes off the open path": _off_path(app, earlier),
    }
    if frozen:
        gc.freeze()
    return counts


def _off_path(app: Any, earlier: set[int]) -> int:
    """Tree nodes alive that hang under a node off the cursor's path (a closed level keeping its children)."""
    tree = next(s for s in app.screen_stack if isinstance(s, BrowseScreen)).query_one(HouseholdTree)
    path: set[int] = set()
    node = tree.cursor_node
    while node is not None:
        path.add(id(node))
        node = node.parent
    alive = [o for o in gc.get_objects() if isinstance(o, TreeNode)]
    return sum(1 for n in alive if n.parent is not None and id(n.parent) not in path and id(n) not in earlier)


async def test_opening_forms_one_household_after_another_keeps_nothing_more_alive(
    small_demo: db.DbTarget,
) -> None:
    """Each household in another group: every jump closes the branch opened before and reads a new one. The
    first round builds the kept form (and its rows for the members seen); the second, the same households
    again, must end with what the first left alive."""
    households = await _one_per_group()
    assert len(households) >= 5 and len({code[:12] for code, _ in households}) >= 2
    earlier = _earlier_objects()  # (kept alive by earlier tests of the process: not this app's)
    app = make_app(small_demo, "demo")
    async with app.run_test(size=(80, 24)) as pilot:
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        tree = browse.query_one(HouseholdTree)
        await settle(pilot, lambda: bool(tree.root.children))
        for code, key in households:
            await _open_one(pilot, browse, code, key)
        before = _alive(app, earlier)
        for code, key in households:
            await _open_one(pilot, browse, code, key)
        after = _alive(app, earlier)
    assert before["person forms"] == 1 and before["tree nodes off the open path"] == 0
    assert after == before
