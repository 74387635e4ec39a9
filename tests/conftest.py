"""Shared test configuration.

No environment scrubbing is needed: below ``main`` nothing reads ``os.environ`` (settings and the
CI detection take the mapping the CLI passes in), unit tests pass that mapping explicitly
(``load_settings(values, env)``, ``main(argv, env)``), and every test that runs the CLI as a
process builds that process's environment from nothing but ``PATH`` and what it sets.
"""

import os

from hypothesis import HealthCheck, settings

# Property tests are reproducible: the same examples on every run and machine (a failure found is
# a failure seen again), no per-example deadline (CI machines stall), and `HYPOTHESIS_PROFILE=deep`
# for a longer local search.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("deep", deadline=None, max_examples=5000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
