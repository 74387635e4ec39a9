"""Everything that talks to Cloudflare's API: the client, requests, their bounds, answers, bodies.

Modules: ``client`` (:func:`open_client`, the one place a run's HTTP client is made, from a frozen
:class:`ClientConfig`), ``api`` (:class:`CloudflareClient`: the request/envelope/error boundary
and the asset upload endpoints), ``workers`` (the Worker endpoints after the assets), ``images``
(Cloudflare Images direct upload), ``answers`` (each endpoint's answer validated once into a typed
result), ``exchange`` (what bounds one request: per-step timeouts, the whole-request deadline, the
answer size cap), ``proxy`` (which proxy a URL goes through: proxies, ``NO_PROXY`` as curl reads
it, the routing transport), ``tls`` (what TLS trusts: bundled, ``SSL_CERT_FILE`` /
``SSL_CERT_DIR``, the system store), ``pools`` (the pooled httpx transport), ``lean`` (the h11
client of single-asset uploads, direct or through an http proxy), ``multipart`` (bodies streamed
from disk, verified against their hashes), ``urls`` (what a URL and a header value must look
like for both HTTP paths to send them). Nothing here reads the environment.
"""
