"""The audit engine: one household record at a time, with the context of what lies outside it.

This module is the public façade of the audit; the work is done in small modules, one job each:

* :mod:`checks.auditor` — :class:`Auditor`, the rule runner over household records (no database);
* :mod:`checks.inline` — :func:`audit_record` audits one household record — saved or not — against a
  context that :func:`load_context` fetches with a few indexed queries (the inline audit of the forms);
* :mod:`checks.runner` — :func:`run_audit` audits the whole database and replaces the ``finding`` table;
  :func:`reaudit_households` re-audits given households and those of their partners after a write;
* :mod:`checks.passes` — the two passes of the whole audit: a lean first pass finds what crosses household
  boundaries and loads it into one global context, a second streams household records in code order, in
  batches, and audits each exactly as :func:`audit_record` would;
* :mod:`checks.parallel` — the whole audit of a large SQLite database in several processes;
* :mod:`checks.plans` — the query-plan protocol: generators that yield SQL queries and receive rows
  ("sans I/O"), and the plans that load person records; :mod:`checks.rows` — their SQL and records;
* :mod:`checks.drive` — runs plans: on SQLite in a worker thread over a read-only `sqlite3` connection
  (fast, and the event loop stays free), on PostgreSQL over the Tortoise connection;
* :mod:`checks.settings` — the audit configuration and the stored audit date of the open database;
* :mod:`checks.pins` — how imported confirmations are tied to the values they confirmed;
  :mod:`checks.confirm` — confirming a warning (核实无误).

Nothing here writes the database itself: the findings, pins and confirmations are stored through
:mod:`store.findings` and :mod:`store.confirmations`.
"""

from __future__ import annotations

from checks.auditor import Auditor
from checks.inline import RecordContext as RecordContext
from checks.inline import audit_record, load_context
from checks.parallel import PARALLEL_THRESHOLD as PARALLEL_THRESHOLD
from checks.parallel import audit_range as audit_range
from checks.parallel import worker_count as worker_count
from checks.passes import BATCH_HOUSEHOLDS as BATCH_HOUSEHOLDS
from checks.passes import Progress as Progress
from checks.plans import CHUNK as CHUNK
from checks.plans import Plan as Plan
from checks.plans import Query as Query
from checks.plans import index_duplicates as index_duplicates
from checks.rows import person_record as person_record
from checks.runner import AuditSummary, reaudit_households, run_audit
from checks.settings import load_config
from checks.settings import stored_as_of as stored_as_of

__all__ = [
    "AuditSummary",
    "Auditor",
    "audit_record",
    "load_config",
    "load_context",
    "reaudit_households",
    "run_audit",
]
