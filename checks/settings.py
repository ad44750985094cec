"""What the audit reads from the ``setting`` table of the open database: the audit configuration
(``audit_config``) and the date the stored audit was run at (``audit_as_of``, written through
:mod:`store.findings`).
"""

from __future__ import annotations

import datetime as dt

from checks.config import AuditConfig, config_from_json

__all__ = ["load_config", "stored_as_of"]

#: the setting holding the audit configuration (JSON over the defaults)
CONFIG_KEY = "audit_config"


async def load_config() -> AuditConfig:
    """The configuration of the open database (``setting`` ``audit_config`` JSON over the defaults)."""
    from store.settings import get_setting

    return config_from_json(await get_setting(CONFIG_KEY))


async def stored_as_of() -> dt.date | None:
    """The date the stored audit was run at (None before the first whole-database audit)."""
    from store.findings import stored_as_of as stored

    return await stored()
