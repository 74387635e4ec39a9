"""``cf-assets release``: move a Worker's traffic to uploaded versions, as ``wrangler versions
deploy`` and ``wrangler rollback`` do, without uploading anything.

Modules: ``traffic`` (pure: the split a release asks for beside the current deployment, and the
version a rollback returns to, by wrangler's rule), ``health`` (the optional check of the new
version's preview URL before anything moves), ``run`` (settings → reads → checks → one
deployment → :class:`~entrypoint.release.run.Released`).
"""
