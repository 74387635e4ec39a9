"""Shared test configuration.

No environment scrubbing is needed: below ``main`` nothing reads ``os.environ`` (settings and the
CI detection take the mapping the CLI passes in), unit tests pass that mapping explicitly
(``load_settings(values, env)``, ``main(argv, env)``), and every test that runs the CLI as a
process builds that process's environment from nothing but ``PATH`` and what it sets.
"""
