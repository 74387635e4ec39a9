"""The site as it is on disk, and what a deploy will send of it: local and pure, no network.

Modules: ``walk`` (the folder's entries in a stable order, links within the boundary, limits),
``collect`` (the walk of an assets folder with its root config texts), ``ignore`` (which paths are
left out): ``.assetsignore`` as wrangler reads it with npm ``ignore`` (the ``npmignore`` package)
and ``include`` / ``exclude`` (``gitignore``), all matching in time linear in the path; ``identity``
(an asset's hash, extension and content type exactly as wrangler computes them, and the no-link,
non-blocking open), ``plan`` (hashing every file, forked over the cores, into the
:class:`~entrypoint.model.Plan`). A dry run stops here.
"""
