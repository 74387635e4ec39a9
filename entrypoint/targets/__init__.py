"""Many deploys in one run: a targets file, sharded over CI jobs, each target deployed or skipped.

Modules: ``file`` (read and check the targets file: defaults and one entry per target),
``plans`` (walk every target's folder and hash each file once), ``assignment`` (which shard
deploys which target), ``fingerprint`` (one digest of all a target's deploy would send),
``previous`` (an earlier run's report: which targets need no deploy), ``deploys`` (every target
deployed concurrently under shared limits, each failure kept to its target), ``run`` (the
many-target command below the CLI).
"""
