"""The search backends as the contract suite makes them, and a way to wait until one answers from every change."""

from __future__ import annotations

import pytest

from services.search.opensearch import OpenSearchBackend
from services.search.ports import SearchBackend
from services.search.postgres import PostgresBackend
from services.search.repository import ReadModel


async def opensearch_backend(request: pytest.FixtureRequest, read_model: ReadModel, alias: str) -> SearchBackend:
    """A backend on its own alias of the session's node (the node starts with the first test asking for it)."""
    backend = OpenSearchBackend(read_model, request.getfixturevalue("opensearch_url"), alias=alias)
    await backend.prepare()
    return backend


async def drain(backend: SearchBackend) -> None:
    """Returns once the backend answers from every change written so far: PostgreSQL at once; OpenSearch once its
    queue is empty and the index refreshed."""
    if isinstance(backend, OpenSearchBackend):
        while await backend.project_once():
            pass
        await backend.refresh()


def count_limited(request: pytest.FixtureRequest, backend: SearchBackend, read_model: ReadModel,
                  count_limit: int) -> SearchBackend:
    """The same kind of backend over the same index, counting matches only up to `count_limit`."""
    if isinstance(backend, OpenSearchBackend):
        return OpenSearchBackend(read_model, request.getfixturevalue("opensearch_url"), alias=backend.alias,
                                 count_limit=count_limit)
    return PostgresBackend(read_model.database, count_limit=count_limit)
