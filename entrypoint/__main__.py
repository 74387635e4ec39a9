"""Allow ``python -m entrypoint`` (signal handling first, as for the console script)."""

from entrypoint.launch import main

raise SystemExit(main())
