"""The demo generator's fault catalogue against the audit's rule registry: every rule the audit knows can be
planted by `store.demo`, and the generator plants no code the audit does not know.

Tests may import both `checks` and `store`; `store.demo` itself never imports `checks`.
"""

from __future__ import annotations

from datetime import date

import pytest

from checks.registry import all_rules
from store.demo import MUTATIONS, RULE_CODES, generate
from store.demo.mutations import PLANT_ORDER
from store.demo.registry import plants, registered

AS_OF = date(2026, 11, 15)


def audit_codes() -> list[str]:
    return [rule.code for rule in all_rules().values()]


def test_every_audit_rule_has_a_mutation() -> None:
    codes = audit_codes()
    assert sorted(set(codes) - set(MUTATIONS)) == []
    assert sorted(set(MUTATIONS) - set(codes)) == []


def test_catalogue_follows_the_audit_order() -> None:
    assert list(RULE_CODES) == audit_codes()
    assert tuple(MUTATIONS) == RULE_CODES


def test_every_registered_mutation_is_in_the_catalogue() -> None:
    assert registered() == MUTATIONS
    assert all(callable(fn) for fn in MUTATIONS.values())


def test_plant_order_takes_every_code_once() -> None:
    assert sorted(PLANT_ORDER) == sorted(RULE_CODES)
    assert len(PLANT_ORDER) == len(set(PLANT_ORDER))


def test_a_code_is_registered_once() -> None:
    with pytest.raises(ValueError, match="CH01"):
        plants("CH01")(lambda f, hh: None)
    assert registered() == MUTATIONS


def test_a_township_gets_every_audit_rule_planted() -> None:
    county = generate(3000, seed=7, error_rate=0.05, as_of=AS_OF)
    for _ in county.households:  # the manifest fills while the households are consumed
        pass
    planted = set(county.manifest["faults"])
    assert county.manifest["unplanted"] == []
    assert sorted(set(audit_codes()) - planted) == []
    assert sorted(planted - set(audit_codes())) == []
