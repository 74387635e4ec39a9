"""How fast a run may go: requests per window, requests in flight, and when to try again.

Modules: ``rate_limit`` (Cloudflare's global API limit kept on our side, shared by shards),
``concurrency`` (gates on the requests in flight, lowered for the rest of the run on gateway
trouble), ``retry`` (which failures are retried, how long to wait, ``Retry-After`` honoured up to
60 s).
"""
