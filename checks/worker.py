"""``python -m checks.worker``: audit one range of households of an SQLite database for
:func:`checks.engine.run_audit` (job and result are pickled over stdin/stdout)."""

from __future__ import annotations

import pickle
import sys


def main() -> int:
    from checks.parallel import audit_range

    job = pickle.loads(sys.stdin.buffer.read())
    result = audit_range(*job)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
