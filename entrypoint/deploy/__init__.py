"""One deploy: from settings and a Plan to a Worker serving its assets, and what it did.

Modules: ``run`` (the deploy command below the CLI: settings → spec and plan → dry run | deploy),
``flow`` (one deploy end to end: lookups, upload sessions, the Worker release → the result),
``upload`` (the session's buckets, bulk or single-asset, to the completion token), ``metadata``
(the Worker upload's metadata and form, key for key as the newest wrangler sends them),
``modules`` (the Worker's ES modules), ``release`` (which Worker endpoints, in which order).
"""
