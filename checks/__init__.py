"""The logic audit (逻辑审核) and data-quality indicators of Renkou: plain Python over plain data.

Modules:

- ``checks.registry`` — the rule registry (``all_rules()``, the ``@rule`` decorator);
- one module per rule family: ``identity``, ``duplicates``, ``required``, ``marriage``, ``children``,
  ``contraception``, ``pregnancy``, ``death_dates``, ``household``, ``flow``, ``benefits``;
- ``checks.model`` — person and household views, ``Context``, ``Finding``; ``checks.config`` — thresholds,
  marriage ages and birth-policy ceilings per region; ``checks.dates`` — 周岁 and date arithmetic;
- ``checks.engine`` — ``audit_record`` / ``load_context`` (inline), ``run_audit`` (whole database),
  ``reaudit_households`` (after a write);
- ``checks.confirm`` — confirming warnings (核实无误); ``checks.quality`` — indicators and the sample;
- ``checks.commands`` — ``renkou check`` / ``renkou quality``; ``checks.docs`` — writes ``docs/rules.md``.

Nothing here imports Textual; the database is reached through ``store`` only.
"""
