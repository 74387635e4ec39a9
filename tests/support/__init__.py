"""What tests share, so no test module imports from another.

One module per concern: ``action`` runs the CLI the way a CI runner runs the action; ``emulators``
makes the emulator fixtures (one server per scope, reset before each test); ``apiclient`` is the one
harness for the Cloudflare client over respx, whose routers really check that every route was
called and every request matched one; ``changes`` makes the files, Assets and Plans the hashing
would see; the rest generate sites, certificates, proxies and hostile servers, or port a reference
(the runner's command parser, pathspec's gitignore rules, wrangler's recorded requests).
"""
