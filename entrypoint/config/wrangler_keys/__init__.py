"""What a wrangler config's keys become, beyond the inputs ``entrypoint.config.wrangler`` maps:
environments (:mod:`.environments`), bindings (:mod:`.binding_checks`, :mod:`.bindings`),
Worker settings (:mod:`.settings`) and the keys we refuse (:mod:`.refusals`).

Everything here works on plain mappings (the parsed file, an environment's effective keys) and
raises :class:`~entrypoint.errors.ConfigurationError` naming the key; nothing reads files or the
environment.
"""
