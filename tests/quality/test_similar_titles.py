"""Similar-idea quality: labelled title pairs (typos, word order, plurals, and unrelated titles sharing words),
scored as precision and recall of FindSimilarIdeas over a real campaign. Run with -s to see the table."""

import pytest

from coins.v1 import idea_service_pb2 as pb
from services.idea.domain import SIMILAR_THRESHOLD

MIN_PRECISION = 0.9
MIN_RECALL = 0.85

EXISTING = [
    "Bike racks at the office", "Free coffee in the kitchen", "Solar panels on the roof", "Four day work week",
    "Quiet room for focused work", "Recycling bins on every floor", "Standing desks for everyone",
    "Monthly team lunch", "Electric car charging stations", "Plant more trees in the parking lot",
    "Mentoring program for new hires", "Better video conferencing equipment",
]

# (what a member types, the existing idea it is compared with, whether it should be offered as similar)
PAIRS = [
    ("Bike rack at office", "Bike racks at the office", True),  # plural
    ("office bike racks", "Bike racks at the office", True),  # word order
    ("Bike rakcs at the ofice", "Bike racks at the office", True),  # typos
    ("free coffe in kitchen", "Free coffee in the kitchen", True),
    ("kitchen coffee free", "Free coffee in the kitchen", True),
    ("solar panel on roofs", "Solar panels on the roof", True),
    ("Solar pannels on the roof", "Solar panels on the roof", True),
    ("four-day work weeks", "Four day work week", True),
    ("work week of four days", "Four day work week", True),
    ("quiet rooms for focus work", "Quiet room for focused work", True),
    ("recycle bins on each floor", "Recycling bins on every floor", True),
    ("recycling bin on every flor", "Recycling bins on every floor", True),
    ("desks standing everyone", "Standing desks for everyone", True),
    ("standing desk for every one", "Standing desks for everyone", True),
    ("team lunch monthly", "Monthly team lunch", True),
    ("monthly team lunches", "Monthly team lunch", True),
    ("charging stations for electric cars", "Electric car charging stations", True),
    ("electric car charging staton", "Electric car charging stations", True),
    ("plant trees in parking lots", "Plant more trees in the parking lot", True),
    ("more trees parking lot", "Plant more trees in the parking lot", True),
    ("mentoring programs for new hire", "Mentoring program for new hires", True),
    ("new hire mentoring program", "Mentoring program for new hires", True),
    ("video conferencing equipment better", "Better video conferencing equipment", True),
    ("beter video conferencing equipmnt", "Better video conferencing equipment", True),
    ("Bike sharing scheme", "Bike racks at the office", False),
    ("Free parking for visitors", "Free coffee in the kitchen", False),
    ("Coffee machine repair", "Free coffee in the kitchen", False),
    ("Roof garden", "Solar panels on the roof", False),
    ("Work from home policy", "Four day work week", False),
    ("Team building offsite", "Monthly team lunch", False),
    ("Office plants", "Plant more trees in the parking lot", False),
    ("Electric scooters", "Electric car charging stations", False),
    ("Quiet hours in the library", "Quiet room for focused work", False),
    ("Hire more engineers", "Mentoring program for new hires", False),
    ("Standing meetings", "Standing desks for everyone", False),
    ("Video tutorials for onboarding", "Better video conferencing equipment", False),
]


@pytest.fixture(scope="module")
def campaign(admin_user, sign_in):
    member = sign_in("quality")
    cid = admin_user.create_campaign("open").campaign_id
    member.join(cid)
    ids = {title: member.submit(cid, title, force=True).id for title in EXISTING}
    return cid, member, ids


def test_similar_ideas_meet_the_precision_and_recall_floor(campaign):
    cid, member, ids = campaign
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    rows = []
    for probe, existing, expected in PAIRS:
        found = member.ideas.FindSimilarIdeas(pb.FindSimilarIdeasRequest(campaign_id=cid, title=probe, page_size=5))
        scores = {s.idea.id: s.score for s in found.similar_ideas}
        offered = ids[existing] in scores
        counts[("t" if offered == expected else "f") + ("p" if offered else "n")] += 1
        rows.append((probe, existing, expected, offered, scores.get(ids[existing], 0.0)))
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    print(f"\nsimilar ideas, threshold {SIMILAR_THRESHOLD}: {len(PAIRS)} pairs")
    print(f"{'typed':38} {'existing':38} {'want':5} {'got':5} score")
    for probe, existing, expected, offered, score in rows:
        print(f"{probe:38} {existing:38} {str(expected):5} {str(offered):5} {score:.2f}")
    print(f"precision {precision:.2f} (floor {MIN_PRECISION}), recall {recall:.2f} (floor {MIN_RECALL}), {counts}")
    assert len(PAIRS) >= 30
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL
