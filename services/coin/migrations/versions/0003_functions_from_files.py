"""The ledger's functions and triggers now live one per file in migrations/sql/: this revision (re)creates each from
its file, which holds what 0001 and 0002 left. To change one later, edit its file and add a revision that reloads
it by name (README, Migrations).

Revision ID: 0003
Revises: 0002
"""

from services.common.migrations import execute_sql_files

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Helpers before the functions that call them, triggers after the function they run.
LEDGER_OBJECTS = (
    "ledger_is_append_only", "ledger_append_only", "ledger_no_truncate",
    "lock_key", "begin_request", "finish_request", "active_campaign", "movable_campaign", "open_idea_of",
    "member_account", "balance_json", "shift_allocation", "live_standing", "standing",
    "allocate", "withdraw", "reallocate",
    "grant_initial", "open_campaign", "open_idea", "close_idea", "close_account", "expire_campaign",
    "archive_campaign",
)


def upgrade() -> None:
    execute_sql_files("coin", *LEDGER_OBJECTS)


def downgrade() -> None:
    """The same definitions were in place at 0002: nothing to undo."""
