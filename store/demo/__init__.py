"""Synthetic demo county (演示数据): realistic households in the interchange format, with planted faults.

`generate()` builds a deterministic county (430426 祁东县) household by household and yields each one as
an interchange payload (`docs/spec/interchange.md` §1), so a county of 400 000 persons never sits in memory at once.
With ``error_rate`` 0 the data raises no E finding of `docs/spec/rules.md` at ``as_of``; with ``error_rate`` R about
R × persons records carry one planted fault each, every rule code of the catalogue at least once (for
2 000 persons or more), and ``manifest["faults"]`` names the records the audit must report.

Modules, one job each:

- `names` — name and place tables; `util` — weighted choice and date arithmetic; `policy` — policy eras
  and legal marriage ages;
- `model` — the in-memory person/household records; `payload` — their interchange dicts; `ids` — ID
  allocation; `units` — county, townships and villages; `relations` — relation-to-householder codes;
- the clean generator `Generator` (`generator`), built from mixins: `people` (persons, random helpers),
  `families` (marriages, births), `templates` (household templates), `life` (deaths, outflows), `women`
  (woman records, benefits);
- the faults: `toolkit` (what mutations may use, and the `GeneratorContext` the planter reads), `registry`
  (the ``@plants("CODE")`` decorator), `hosts` (host selection), the per-rule functions in `mut_identity`,
  `mut_family`, `mut_woman` and `mut_records`, `mutations` (the catalogue `MUTATIONS`, `RULE_CODES`,
  `PLANT_ORDER`) and `faults` (the planter);
- `county` — the public API re-exported here.

Imports point one way, each module only to those after it: `county` → `generator` → `faults` → `mutations` →
`mut_*` → `hosts` → `registry` → `toolkit` → the model and table modules. The generator passes itself to the
planter as a `GeneratorContext`; nothing below imports the generator.
"""

from __future__ import annotations

from store.demo.county import DemoCounty, entry_lag, generate, to_jsonl_lines, write_manifest
from store.demo.mutations import MUTATIONS, RULE_CODES

__all__ = ["MUTATIONS", "RULE_CODES", "DemoCounty", "entry_lag", "generate", "to_jsonl_lines", "write_manifest"]
