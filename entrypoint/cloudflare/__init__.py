"""Everything that talks to Cloudflare's API: requests, their bounds, their answers, their bodies.

Modules: ``api`` (:class:`CloudflareClient`: the request/envelope/error boundary and the asset
upload endpoints), ``workers`` (the Worker endpoints after the assets), ``images`` (Cloudflare
Images direct upload), ``answers`` (each endpoint's answer validated once into a typed result),
``exchange`` (what bounds one request: per-step timeouts, the whole-request deadline, the answer
size cap), ``pools`` (the pooled httpx transport and the TLS context), ``lean`` (the h11 client of
single-asset uploads), ``multipart`` (bodies streamed from disk, verified against their hashes).
"""
