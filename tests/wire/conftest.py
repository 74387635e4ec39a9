"""The wire tier: the real client over real sockets on loopback, in this process.

Between the unit tests (no socket at all) and the integration tests (the CLI as a process): the
transports, TLS, proxies and whole-request deadlines against small servers started here, and the
upload's content check against an emulator that trusts the claimed hashes, as Cloudflare does.
"""
