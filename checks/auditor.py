"""The rule runner: :class:`Auditor` runs the rule registry over household records.

Plain Python: no database, no Textual. Every audit — inline (:mod:`checks.inline`), whole database and
re-audit (:mod:`checks.runner`) — audits each household through :meth:`Auditor.audit_views`, which picks the
rules that apply to each person by tag set, applies the suppression conventions and the confirmations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from checks.config import DEFAULT_CONFIG, AuditConfig
from checks.model import T_DUP, T_KIDS, T_MOTHER, T_PAIR, Context, Env, Finding, Hit, HouseholdView, PersonView
from checks.pins import is_confirmed
from checks.registry import Rule, all_rules

__all__ = ["Auditor"]


class Auditor:
    """Runs the registry over household records. Plain Python: no database, no Textual."""

    def __init__(
        self,
        as_of: dt.date,
        *,
        today: dt.date | None = None,
        config: AuditConfig = DEFAULT_CONFIG,
        pins: dict[str, str] | None = None,
    ) -> None:
        self.as_of = as_of
        self.today = today or dt.date.today()
        self.config = config
        self.rules = all_rules()
        self.person_rules = [r for r in self.rules.values() if not r.household_level]
        self.household_rules = [r for r in self.rules.values() if r.household_level]
        self.cancelled_rules = [r for r in self.person_rules if r.cancelled_too]
        self._by_mask: dict[int, list[tuple[Any, Rule]]] = {}
        self.pins = dict(pins or {})
        self.new_pins: dict[str, str] = {}

    def env(self, context: Context | None = None) -> Env:
        return Env(self.as_of, self.today, self.config, context or Context())

    def view(self, person: dict[str, Any], household: str, env: Env) -> PersonView:
        return PersonView(person, household, env)

    def _rules_for(self, mask: int, active: bool = True) -> list[tuple[Any, Rule]]:
        """(check, rule) of the rules that apply to a person with these tags (cached per tag set)."""
        slot = mask if active else ~mask
        found = self._by_mask.get(slot)
        if found is None:
            pool = self.person_rules if active else self.cancelled_rules
            found = [(r.check, r) for r in pool if r.needs & mask == r.needs and not r.avoid & mask]
            self._by_mask[slot] = found
        return found

    def audit_household(self, record: dict[str, Any], env: Env) -> list[Finding]:
        """Findings of one household record (its persons' findings and the household's own)."""
        code = record["household"]["code"]
        return self.audit_views(record, [PersonView(m, code, env) for m in record["members"]], env)

    def audit_views(self, record: dict[str, Any], views: list[PersonView], env: Env) -> list[Finding]:
        """Findings of a household given its members' views (``record["household"]`` is read)."""
        code = record["household"]["code"]
        hv = HouseholdView(record, views)
        env.enter(hv)
        ctx = env.context
        spouse_targets = {v.spouse for v in views if v.spouse}
        mothers = {v.mother for v in views if v.mother}
        ids: dict[str, int] = {}
        nsbs: dict[tuple[Any, ...], int] = {}
        if len(views) > 1:
            for v in views:
                if v.active:
                    if v.id_canonical:
                        ids[v.id_canonical] = ids.get(v.id_canonical, 0) + 1
                    nsb = (v.name, v.sex, v.birth)
                    nsbs[nsb] = nsbs.get(nsb, 0) + 1
        by_id, by_nsb, linkers, children_of = ctx.by_id, ctx.by_nsb, ctx.spouse_linkers, ctx.children_of
        town = code[:9]
        rules_for = self._rules_for
        out: list[Finding] = []
        for v in views:
            mask = v.tags
            if v.active:
                key = v.key
                if v.spouse or key in spouse_targets or key in linkers:
                    mask |= T_PAIR
                if mask & T_KIDS or key in mothers or key in children_of:
                    mask |= T_MOTHER
                canon = v.id_canonical
                if (canon is not None and (ids.get(canon, 0) > 1 or canon in by_id)) or (
                    v.name and v.birth and (nsbs.get((v.name, v.sex, v.birth), 0) > 1
                                            or (town, v.name, v.sex, v.birth) in by_nsb)
                ):  # fmt: skip
                    mask |= T_DUP
                rules = rules_for(mask)
            else:
                rules = rules_for(mask, False)
            found: list[Finding] = []
            for check, r in rules:
                result = check(v, env)
                if result:
                    if isinstance(result, Hit):
                        found.append(self._finding(r, result, code, v))
                    else:
                        found.extend(self._finding(r, h, code, v) for h in result)
            if found:
                out.extend(self._settle(found, v))
        for r in self.household_rules:
            result = r.check(hv, env)
            if result:
                for h in [result] if isinstance(result, Hit) else result:
                    out.append(self._finding(r, h, code, None))
        for v in views:
            v._partners = None  # no reference cycles between views once the household is done
        return out

    def _finding(self, r: Rule, h: Hit, code: str, v: PersonView | None) -> Finding:
        return Finding(
            rule=r.code, severity=r.severity, scope=r.scope, unit=code[:12], household_code=code,
            person_key=v.key if v else None, person_name=v.name if v else None,
            person_id_number=v.id_number if v else None, fields=h.fields if h.fields is not None else r.fields,
            related=h.related, message=r.render(h.params), entry=h.entry,
        )  # fmt: skip

    def _settle(self, found: list[Finding], v: PersonView) -> list[Finding]:
        """Apply the suppression conventions and the confirmations of one person's findings."""
        rules = self.rules
        silenced: set[str] = set()
        pair: dict[str, set[str]] = {}
        for f in found:
            r = rules[f.rule]
            silenced.update(r.suppresses)
            for code in r.suppresses_pair:
                pair.setdefault(code, set()).update(f.related)
        out = []
        for f in found:
            if f.rule in silenced:
                continue
            if f.rule in pair:
                kept = tuple(k for k in f.related if k not in pair[f.rule])
                if not kept:
                    continue
                f.related = kept
            out.append(f)
        if v.rec.get("confirmations"):
            for f in out:
                if f.severity == "W":
                    f.confirmed = is_confirmed(f, v.rec, self.pins, self.new_pins)
        return out
