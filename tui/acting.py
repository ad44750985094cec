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
