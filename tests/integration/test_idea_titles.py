"""The idea schema's duplicate key: idea.title_key() and pg_trgm similarity on keys, the two FindSimilarIdeas ranks
by (services/idea/repository.py), on known pairs. tests/quality/ measures precision and recall over the service."""

from __future__ import annotations

import asyncpg
import pytest

from services.idea.domain import SIMILAR_THRESHOLD


async def test_the_key_is_stemmed_words_without_stop_words_in_a_fixed_order(db: asyncpg.Pool):
    keys = [await db.fetchval("SELECT idea.title_key($1)", title)
            for title in ("Bike racks at offices", "office bike rack", "A bike rack at the OFFICE")]
    assert keys[0] == keys[1] == keys[2]
    assert await db.fetchval("SELECT idea.title_key($1)", "the of and") == "the of and"  # only stop words: lowered


@pytest.mark.parametrize(("typed", "existing", "similar"), [
    ("Bike rakcs at the ofice", "Bike racks at the office", True),  # typos
    ("kitchen coffee free", "Free coffee in the kitchen", True),  # word order
    ("monthly team lunches", "Monthly team lunch", True),  # plural
    ("Bike sharing scheme", "Bike racks at the office", False),  # one word shared
    ("Coffee machine repair", "Free coffee in the kitchen", False),
])
async def test_similarity_of_keys_on_known_pairs(db: asyncpg.Pool, typed: str, existing: str, similar: bool):
    score = await db.fetchval("SELECT similarity(idea.title_key($1), idea.title_key($2))", typed, existing)
    assert (score >= SIMILAR_THRESHOLD) is similar, score
