"""Which paths a run may read and write, and how it reads and writes them.

Modules: ``workspace`` (the boundary: inputs' paths inside the workspace after links are
resolved, nothing inside a ``.git`` folder, files read without following a final link, without
blocking, size-capped), ``output`` (every file we write: through no link, atomically, inside the
workspace or the runner's temp folder), ``ownership`` (files we write belong to the workspace's
owner, not to the container's root).
"""
