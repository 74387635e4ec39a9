"""The unit tier's socket guard holds: an inet socket is refused, a socketpair (asyncio) is not."""

from __future__ import annotations

import asyncio
import socket

import pytest
from pytest_socket import SocketBlockedError


def test_an_inet_socket_is_refused() -> None:
    with pytest.raises(SocketBlockedError), pytest.warns(UserWarning, match="socket"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)


def test_an_event_loop_still_runs() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert asyncio.run(answer()) == 42
