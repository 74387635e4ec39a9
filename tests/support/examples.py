"""What the hypothesis property tests share: a fresh folder per example, file contents, sizes near
the edges that matter, and draining an async byte stream.

Hypothesis runs a test's body once per example inside one test call, so a function-scoped fixture
(``tmp_path``) would be shared by every example; each example makes its own folder under pytest's
base temp instead, removed when the example ends (files of a few MiB do not pile up).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import strategies as st


@contextmanager
def example_folder(factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An empty folder for one example (its real path), removed afterwards, pass or fail."""
    with tempfile.TemporaryDirectory(dir=factory.getbasetemp(), prefix="example-") as name:
        yield Path(name).resolve()


def content(seed: int, size: int) -> bytes:
    """``size`` bytes, the same for the same seed (cheap at MiBs, unlike drawing them)."""
    return random.Random(seed).randbytes(size)


def sizes_near(*edges: int, spread: int = 4, small: int = 16) -> st.SearchStrategy[int]:
    """Sizes up to ``small``, and sizes within ``spread`` of each edge (never negative)."""
    near = [st.integers(max(0, edge - spread), edge + spread) for edge in edges]
    return st.one_of(st.integers(0, small), *near)


def drain(stream: AsyncIterator[bytes]) -> list[bytes]:
    """Every chunk ``stream`` yields, in order (run on a new event loop)."""

    async def collect() -> list[bytes]:
        return [chunk async for chunk in stream]

    return asyncio.run(collect())
