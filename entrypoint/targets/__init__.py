"""Many deploys in one run: a targets file, sharded over CI runs, each target deployed or skipped.

Modules: ``file`` (read and check the targets file: defaults and one entry per target),
``choose`` (the file, every folder walked, this run's share of the targets), ``plans`` (walk
every target's folder and hash each file once), ``assignment`` (which shard deploys which
target), ``fingerprint`` (one digest of all a target's deploy would send), ``previous`` (which
targets need no deploy, by an earlier run's report), ``report_file`` (the JSON report file's
format, written and read back), ``deploys`` (every target deployed concurrently under shared
limits, each failure kept to its target), ``outcome`` (what the run hands back: a shard
assignment, a dry run, a summary), ``run`` (the many-target command below the CLI).
"""
