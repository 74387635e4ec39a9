"""One deploy: from settings and a Plan to a Worker serving its assets, and what it did.

Modules: ``spec`` (settings → DeploySpec: the one translation, for one deploy and for each target
of a targets file), ``run`` (the deploy command below the CLI: spec and plan → dry run | deploy →
outcome; it owns the Plan and writes the manifest file), ``flow`` (one deploy end to end:
lookups, upload sessions, the Worker release → the result), ``sessions`` (upload sessions,
resumed while they make progress), ``upload`` (one session's buckets, bulk or single-asset, to
the completion token), ``metadata`` (the Worker upload's metadata and form, key for key as the
newest wrangler sends them), ``modules`` (the Worker's ES modules), ``release`` (which Worker
endpoints, in which order).
"""
