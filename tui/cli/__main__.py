"""``python -m tui.cli``: the same as the console script ``renkou``."""

from tui.cli import main

raise SystemExit(main())
