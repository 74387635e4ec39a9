"""``.assetsignore`` matched exactly as wrangler matches it, with npm ``ignore@5.3.1``.

Modules: ``lines`` (each line read into the JavaScript regex source ``ignore`` builds, linear in
the line's length), ``tables`` (sources of a plain shape as set lookups), ``jstree`` /
``jsregex`` (V8's non-Unicode regex syntax parsed, with V8's refusals), ``jsnfa`` / ``jsmatch``
(those regexes run in linear time over UTF-16 units, all rules at once), ``matcher`` (the answer
for a path: :class:`~entrypoint.site.npmignore.matcher.NpmIgnore`). Checked against ``ignore``
itself on the fixture ``scripts/gen_ignore_parity.py`` records.
"""
