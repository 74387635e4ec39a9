"""Allow ``python -m entrypoint``."""

from entrypoint.cli import main

raise SystemExit(main())
