"""The logic audit (逻辑审核) and data-quality indicators of Renkou: plain Python over plain data.

Modules:

- ``checks.registry`` — the rule registry (``all_rules()``, the ``@rule`` decorator);
- one module per rule family: ``identity``, ``duplicates``, ``required``, ``marriage``, ``children``,
  ``contraception``, ``pregnancy``, ``death_dates``, ``household``, ``flow``, ``benefits``;
- ``checks.model`` — person and household views, ``Context``, ``Finding``; ``checks.config`` — thresholds,
  marriage ages and birth-policy ceilings per region; ``checks.dates`` — 周岁 and date arithmetic;
- ``checks.engine`` — the audit's façade: ``audit_record`` / ``load_context`` (inline, ``checks.inline``),
  ``run_audit`` (whole database) and ``reaudit_households`` (after a write) (``checks.runner``); under it
  ``checks.auditor`` (the rule runner), ``checks.passes`` and ``checks.parallel`` (the whole-database passes),
  ``checks.plans`` / ``checks.rows`` (query plans and the records they load), ``checks.drive`` (runs plans),
  ``checks.settings`` (the audit configuration of the open database);
- ``checks.confirm`` — confirming warnings (核实无误), ``checks.pins`` — how imported confirmations are tied
  to their values; ``checks.labels`` — labels the rule messages share; ``checks.quality`` — indicators and
  the sample;
- ``checks.commands`` — ``renkou check`` / ``renkou quality``; ``checks.docs`` — writes ``docs/rules.md``.

Nothing here imports Textual; the database is reached through ``store`` only, and written only through
``store`` functions (``store.findings``, ``store.confirmations``): no INSERT/UPDATE/DELETE here.
"""
