"""Where the memory of the simulated hour goes (issue 13): person forms opened as in :mod:`bench.bench_app` (jump
in the tree, Enter, Ctrl+N, Esc), optionally with change lines, re-audits and exports every ``--every`` forms;
gc censuses (live objects by type) and, with ``--tracemalloc N``, tracemalloc snapshots (N frames, tracing
started at the first point, so the forms before it run at full speed) compared between the two ``--at`` points.
Every ``--sample`` forms: the resident memory and the sizes of the suspects (workers, screens, notifications,
DOM nodes, Textual's and functools caches, finalizers, tasks, coroutines). A diagnostic, not a benchmark.

    python -m bench.mem_probe --db PATH --forms 400 --at 100 400
    python -m bench.mem_probe --db PATH --forms 200 --at 50 200 --tracemalloc 8
    python -m bench.mem_probe --db PATH --forms 200 --at 50 200 --every 5 --changes 240 --exports --reaudits
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import os
import sys
import tempfile
import time
import tracemalloc
import weakref
from pathlib import Path
from typing import Any

from bench import bench_app as ba


def say(*parts: Any, **kwargs: Any) -> None:
    """Print to the real standard output (the app captures ``print`` while it runs)."""
    print(*parts, **kwargs, file=sys.__stdout__, flush=True)


def census() -> dict[str, int]:
    gc.collect()
    out: dict[str, int] = {}
    for obj in gc.get_objects():
        kind = type(obj)
        name = f"{kind.__module__}.{kind.__qualname__}"
        out[name] = out.get(name, 0) + 1
    return out


def caches(app: Any) -> dict[str, int]:
    """Sizes of the caches we suspect."""
    out: dict[str, int] = {}
    out["workers"] = len(app.workers)
    out["screen_stack"] = len(app.screen_stack)
    out["installed"] = len(app._installed_screens)
    out["notifications"] = len(app._notifications)
    out["registry"] = len(app._registry)
    from textual.cache import FIFOCache, LRUCache

    lru = [o for o in gc.get_objects() if isinstance(o, (LRUCache, FIFOCache))]
    out["lru_caches"] = len(lru)
    out["lru_items"] = sum(len(c) for c in lru)
    import functools

    fcache = 0
    for obj in gc.get_objects():
        if isinstance(obj, functools._lru_cache_wrapper):
            fcache += obj.cache_info().currsize
    out["functools_lru_items"] = fcache
    out["finalizers"] = len(weakref.finalize._registry)  # type: ignore[attr-defined]
    out["tasks"] = len(asyncio.all_tasks())
    out["Worker"] = sum(1 for o in gc.get_objects() if type(o).__name__ == "Worker")
    out["coroutines"] = sum(1 for o in gc.get_objects() if inspect.iscoroutine(o))
    return out


def orphans(app: Any) -> dict[str, int]:
    """Live DOM nodes the app no longer knows (not in its registry), by class, after a collection."""
    from textual.dom import DOMNode

    gc.collect()
    known = set(map(id, app._registry))
    out: dict[str, int] = {}
    for obj in gc.get_objects():
        if isinstance(obj, DOMNode) and id(obj) not in known and obj is not app:
            name = type(obj).__qualname__
            out[name] = out.get(name, 0) + 1
    return out


def coroutine_names() -> dict[str, int]:
    """Live coroutines by their code's qualified name, and whether they ran."""
    out: dict[str, int] = {}
    for obj in gc.get_objects():
        if inspect.iscoroutine(obj):
            key = f"{obj.cr_code.co_qualname} {inspect.getcoroutinestate(obj)}"
            out[key] = out.get(key, 0) + 1
    return out


async def probe(database: Path, folder: Path, args: argparse.Namespace) -> None:
    from store import db

    async with db.database(database, create=False):
        picked = await ba.samples(args.forms + 10, args.changes)
        app = ba.make_app()
        async with app.run_test(size=(80, 24), headless=False) as pilot:
            await ba.started(app, pilot)
            forms = list(picked["forms"])
            deaths = list(picked["deaths"])
            when = ba.death_date()
            snaps: dict[int, Any] = {}
            cens: dict[int, dict[str, int]] = {}
            start = time.perf_counter()
            for opened in range(1, args.forms + 1):
                code, key = forms.pop()
                await ba.to_tree_person(app, pilot, code, key)
                await ba.open_form(app, pilot, key)
                await app.workers.wait_for_complete()
                await ba.next_member(app)
                await ba.close_form(app, pilot)
                if args.changes and opened % args.every == 0 and deaths:
                    batch, deaths = deaths[: args.changes_per], deaths[args.changes_per :]
                    await ba.change_lines(app, pilot, batch[0][0][:12], batch, when)
                if args.reaudits and opened % args.every == 0:
                    from tui import services

                    await services.reaudit([forms[-1][0]])
                if args.exports and opened % args.every == 0:
                    await ba.export_errors(app, pilot, forms[-1][0][:12], folder)
                if opened % args.sample == 0 or opened in args.at:
                    gc.collect()
                    say(f"# {opened} forms rss {ba.rss_mb():.1f} MB {time.perf_counter() - start:.0f} s "
                        f"{caches(app)}")  # fmt: skip
                if opened in args.at:
                    say(f"#   orphans {sorted(orphans(app).items(), key=lambda kv: -kv[1])[:8]}")
                    cens[opened] = census()
                    if args.tracemalloc and not tracemalloc.is_tracing():  # traced from the first point on
                        tracemalloc.start(args.tracemalloc)
                    if tracemalloc.is_tracing():
                        snaps[opened] = tracemalloc.take_snapshot()
            a, b = args.at
            n = b - a
            say("## orphan DOM nodes", sorted(orphans(app).items(), key=lambda kv: -kv[1])[:30])
            say("## functools caches", *ba.render_caches(15), sep="\n  ")
            say("## coroutines", *sorted(coroutine_names().items(), key=lambda kv: -kv[1])[:20], sep="\n  ")
            say(f"## census growth {a}->{b} ({n} forms)")
            grown = sorted(((cens[b].get(k, 0) - cens[a].get(k, 0), k) for k in cens[b] | cens[a]), reverse=True)
            for d, k in grown[:40]:
                if d:
                    say(f"  {d:+7d} ({d / n:+.2f}/form) {k}")
            if snaps:
                filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
                s1, s2 = snaps[a].filter_traces(filters), snaps[b].filter_traces(filters)
                say(
                    f"## tracemalloc {a}->{b}: total {sum(s.size for s in s2.statistics('filename')) / 1e6:.1f} MB",
                )
                for key in ("filename", "lineno"):
                    say(f"### by {key}")
                    for stat in s2.compare_to(s1, key)[:25]:
                        say(
                            f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} {stat.traceback[0]}",
                        )
                say("### by traceback")
                for stat in s2.compare_to(s1, "traceback")[:12]:
                    say(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d}")
                    for line in stat.traceback.format()[-args.tracemalloc * 2 :]:
                        say("     " + line)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--forms", type=int, default=300)
    parser.add_argument("--at", type=int, nargs=2, default=[100, 300])
    parser.add_argument("--sample", type=int, default=25)
    parser.add_argument("--tracemalloc", type=int, default=0, help="frames (0: off)")
    parser.add_argument("--changes", type=int, default=0, help="change lines in all")
    parser.add_argument("--changes-per", type=int, default=6)
    parser.add_argument("--exports", action="store_true")
    parser.add_argument("--reaudits", action="store_true")
    parser.add_argument("--every", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.db.parent) as name:
        folder = Path(name)
        os.environ["XDG_DATA_HOME"] = str(folder)
        os.environ["XDG_CONFIG_HOME"] = str(folder)
        copy = ba.copy_county(args.db, folder)
        asyncio.run(ba._prepare_cache(copy))
        asyncio.run(probe(copy, folder, args))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
