"""The logged-in actor of the TUI: built once per login with `store.access.actor_for` and kept on the app, so
that every screen passes the same actor (role and unit scope) to the store and the services."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.access import Actor


async def actor_of(app: object) -> Actor:
    """The actor of the user logged in to `app` (its ``username``; ``is_demo`` when set), built on first use
    after each login and kept in ``app.actor``."""
    from store import access

    username = str(getattr(app, "username", "") or "")
    actor: Actor | None = getattr(app, "actor", None)
    if actor is None or actor.username != username:
        actor = await access.actor_for(username, is_demo=getattr(app, "is_demo", None))
        app.actor = actor  # type: ignore[attr-defined]
    return actor


async def out_of_scope(app: object, household_code: str, what: str = "查看或修改") -> str | None:
    """The Chinese refusal (logged in the audit log) when a household lies outside the units of `app`'s
    actor, else None: for screens that open a household by its code."""
    from store import access

    try:
        await access.enforce_in_scope(await actor_of(app), [household_code], what)
    except access.AccessDenied as refused:
        return str(refused)
    return None
