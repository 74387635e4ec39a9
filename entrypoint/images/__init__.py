"""``cf-assets images``: Cloudflare Images direct upload v2, in two modes.

``create-url`` asks for one one-time upload URL (for a client that uploads later); ``sync`` uploads
every image of a folder through such URLs under ids derived from their paths, skipping those
already stored. Everything is validated before the first request.

Modules: ``checks`` (id, expiry and metadata rules, mode inputs), ``probe`` (format and
dimensions from file headers; ``heif`` and ``svg`` for the two harder formats), ``catalog`` (the
folder's images, ids and limits), ``sync`` (the concurrent upload), ``map_file`` (the map file's
JSON) and ``run`` (the flow below the CLI, to an outcome). The settings are
:mod:`entrypoint.config.images`, the endpoints :mod:`entrypoint.cloudflare.images`, the outputs
and summary :mod:`entrypoint.report.images`.
"""
