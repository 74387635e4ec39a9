"""``cf-assets images``: Cloudflare Images direct upload v2, in two modes.

``create-url`` asks for one one-time upload URL (for a client that uploads later); ``sync`` uploads
every image of a folder through such URLs under ids derived from their paths, skipping those
already stored. Everything is validated before the first request.

Modules: ``settings`` (inputs), ``checks`` (id, expiry and metadata rules, mode inputs), ``probe``
(format and dimensions from file headers; ``heif`` and ``svg`` for the two harder formats),
``catalog`` (the folder's images, ids and limits), ``client`` (the Images endpoints), ``sync``
(the concurrent upload), ``report`` (outputs, map file, summary) and ``run`` (the flow below the
CLI).
"""
