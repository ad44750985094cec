"""The steps of ``bench.bench_app`` drive the real app as a clerk would (so the benchmark keeps measuring what it
says when the screens change): open a person form from the tree, Ctrl+N, change 职业 and save, key a death on
the change-entry screen, export an errors list, reload the tree root. Asserts stored data, never timings."""

from __future__ import annotations

from pathlib import Path

from bench import bench_app
from store import db
from store.records import load_households
from tests.support.pilot import field
from tui.screens.browse import BrowseScreen, HouseholdTree
from tui.screens.person_form import PersonForm


async def test_the_bench_steps_do_what_a_clerk_does(audited_demo: db.DbTarget, tmp_path: Path) -> None:
    picked = await bench_app.samples(3, 2)
    assert len(picked["forms"]) == 3 and len(picked["deaths"]) == 2
    assert len({code for code, _ in picked["deaths"]} & {code for code, _ in picked["forms"]}) == 0
    app = bench_app.make_app()
    async with app.run_test(size=(80, 24), headless=False) as pilot:
        await bench_app.started(app, pilot)
        assert await bench_app.tree_root(app, pilot) > 0
        tree = app.screen.query_one(HouseholdTree)
        assert isinstance(app.screen, BrowseScreen) and tree.root.data is not None and tree.root.children

        code, key = picked["forms"][0]
        await bench_app.to_tree_person(app, pilot, code, key)
        ready, drawn, _half = await bench_app.open_form(app, pilot, key)
        form = app.screen
        assert isinstance(form, PersonForm) and form.person_key == key and 0 < ready <= drawn
        assert bench_app.usable(form) and field(form, "name").value == form.person["name"]

        await app.workers.wait_for_complete()
        await bench_app.next_member(app)
        second = form.person_key
        keys = [m["key"] for m in form.record["members"]]
        assert second == keys[(keys.index(key) + 1) % len(keys)] and bench_app.showing(form)

        await bench_app.save_form(app, pilot, "bench7")
        stored = (await load_households([code]))[code]
        assert next(m for m in stored["members"] if m["key"] == second)["occupation"] == "bench7"
        await bench_app.close_form(app, pilot)
        assert isinstance(app.screen, BrowseScreen)

        deaths = picked["deaths"]
        await bench_app.change_lines(app, pilot, deaths[0][0][:12], deaths, bench_app.death_date())
        for household, number in deaths:
            person = next(m for m in (await load_households([household]))[household]["members"]
                          if m["id_number"] == number)  # fmt: skip
            assert person["death_date"] is not None and person["cancel"]["reason"] == "01"

        out = tmp_path / "exports"
        out.mkdir()
        await bench_app.export_errors(app, pilot, code[:12], out)
        assert [p.suffix for p in out.iterdir()] == [".xlsx"]
        assert isinstance(app.screen, BrowseScreen)


def test_rss_and_slope() -> None:
    assert bench_app.rss_mb() > 1
    assert bench_app.slope([0, 50, 100], [10.0, 11.0, 12.0]) == 0.02
    assert bench_app.slope([5], [1.0]) == 0.0
