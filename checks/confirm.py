"""Confirmation of warnings (核实无误).

Only W findings can be confirmed, with a reason. A confirmation silences the warning of its rule and
fields on its person — the finding is still reported, with ``confirmed: true`` — until the record changes:

* **Confirmed in the app** (:func:`confirm`): the confirmation stores the person's current
  ``version`` (`Confirmation.record_version`). Every write of a person bumps its version, so once the
  record changes the stored version differs and the warning is reported unconfirmed again.
* **Imported from a file** (``record_version`` NULL): the file cannot tie it to a version of this
  database, so it is tied to the *values* of its ``fields``. The first audit that sees it pins a digest of
  those values (setting ``confirmation_pins``, keyed by person key, rule and fields); it silences while
  the values keep that digest, i.e. until one of its fields changes. A confirmation without fields is
  pinned on the finding's fields.
"""

from __future__ import annotations

from typing import Any

from checks.pins import digest as digest
from checks.pins import is_confirmed as is_confirmed
from checks.registry import all_rules
from checks.runner import reaudit_households
from store.confirmations import PINS_KEY as PINS_KEY
from store.confirmations import add_confirmation, person_version
from store.confirmations import load_pins as load_pins
from store.errors import StoreError
from store.paths import value_at as value_at

__all__ = ["PINS_KEY", "confirm", "digest", "is_confirmed", "load_pins", "value_at"]


async def confirm(person_key: str, rule: str, fields: list[str] | None, reason: str, user: str) -> Any:
    """Confirm a warning as correct (核实无误); returns the now confirmed finding.

    Raises :class:`store.errors.StoreError` (Chinese message) when the rule is not a warning, the reason is
    empty, or the person has no such warning now."""
    found = all_rules().get(rule)
    if found is None:
        raise StoreError(f"没有规则 {rule}。")
    if found.severity != "W":
        raise StoreError(
            f"{rule}（{found.title}）是{'错误' if found.severity == 'E' else '提示'}，只有预警（W）可以核实无误。"
        )
    if not reason or not reason.strip():
        raise StoreError("请填写核实无误的理由。")
    person = await person_version(person_key)
    if person is None:
        raise StoreError(f"人员 {person_key} 不存在。")
    current = [f for f in await reaudit_households([person.household]) if f.person_key == person_key and f.rule == rule]
    if fields:
        current = [f for f in current if set(f.fields) == set(fields)]
    if not current:
        raise StoreError(f"人员 {person_key} 当前没有 {rule}（{found.title}）预警，无需核实。")
    target = current[0]
    paths = list(fields or target.fields)
    await add_confirmation(person, person_key, rule, paths, reason.strip(), user)
    for f in await reaudit_households([person.household]):
        if f.person_key == person_key and f.rule == rule and set(f.fields) == set(paths):
            return f
    return target
