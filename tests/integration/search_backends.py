"""Backends for the search tests: the OpenSearch node of the session and a way to wait for the index."""

from __future__ import annotations

import pytest

from services.search.ports import SearchBackend
from services.search.repository import ReadModel


async def opensearch_backend(request: pytest.FixtureRequest, read_model: ReadModel, alias: str) -> SearchBackend:
    raise NotImplementedError("wired when the OpenSearch backend lands")


async def drain(backend: SearchBackend) -> None:
    """Returns once the backend answers from every change written so far."""
    return None
