"""Activation converges when repeated; the reward cap counts every rewarded idea; non-members' accounts move nothing.

- open_campaign no longer claims its request id: a retry after the campaign service's own commit failed (members who
  joined meanwhile) converges on the accounts' state instead of REQUEST_ID_REUSED;
  the member loop moves to grant_members, shared with grant_initial.
- open_idea counts every idea that earned the submission reward, taken back or not, so rejecting rewarded ideas
  frees no place under max_rewarded_ideas; an account it creates for a submitter who is no member moves nothing.

Revision ID: 0004
Revises: 0003
"""

from services.common.migrations import execute_sql_files

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_files("coin", "grant_members", "grant_initial", "open_campaign", "open_idea")


def downgrade() -> None:
    raise NotImplementedError("the ledger's functions move forward only; restore from a backup instead")
