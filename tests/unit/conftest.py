"""Unit tests open no socket: what needs a server (even on loopback) is an emulator or integration
test. Unix sockets stay allowed, since every asyncio event loop wakes itself through a socketpair.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    disable_socket(allow_unix_socket=True)
    try:
        yield
    finally:
        enable_socket()
