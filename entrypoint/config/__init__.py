"""What a run is told: every setting's name and spellings, its typed value, and where it comes from.

Modules: ``inputs`` (one name spelled four ways — action input, ``INPUT_*``, ``CF_ASSETS_*``, CLI
flag — plus the ``CLOUDFLARE_*`` names, read from the explicit environment mapping the CLI passes
in, never from the process), ``values`` (text → typed values, JSON with a nesting limit),
``deploy`` and ``images`` (each command's settings and their checks), ``request_values`` (the
credentials a request carries, by input name), ``runner`` (the CI's own variables), ``network``
(the proxy and CA variables, and the client config of a command's settings), ``wrangler`` (a
wrangler project's config as defaults), ``yaml_file`` (bounded, strict YAML).
"""
