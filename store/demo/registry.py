"""The mutation registry: each family module (`mut_identity`, `mut_family`, `mut_woman`, `mut_records`)
marks its mutation functions with ``@plants("CODE")``; `store.demo.mutations` reads them into the catalogue.

A mutation takes the fault toolkit and one clean household and returns None when the household cannot host
the fault, else the planted targets and any extra households it made (`Planted`).
"""

from __future__ import annotations

from collections.abc import Callable

from store.demo.model import Household
from store.demo.toolkit import FaultTools

#: (household code, person key or None for the household itself) of a record the audit must report.
Target = tuple[str, "str | None"]
#: What a mutation planted: the targets, and extra households to emit after the host.
Planted = tuple[list[Target], list[Household]]
Mutation = Callable[[FaultTools, Household], "Planted | None"]

_MUTATIONS: dict[str, Mutation] = {}


def plants(code: str) -> Callable[[Mutation], Mutation]:
    """Register the decorated function as the mutation planting rule `code` (one function per code)."""

    def register(fn: Mutation) -> Mutation:
        if code in _MUTATIONS:
            raise ValueError(f"two mutations plant {code}: {_MUTATIONS[code].__name__} and {fn.__name__}")
        _MUTATIONS[code] = fn
        return fn

    return register


def registered() -> dict[str, Mutation]:
    """Every registered mutation by rule code, in registration order (a copy)."""
    return dict(_MUTATIONS)
