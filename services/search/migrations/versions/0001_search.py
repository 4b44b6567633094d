"""The search read model: ideas with their weighted text document, campaign listings, tag and people names, the
words of the index (typo correction) and the queue of ideas an external index has yet to take.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.common.migrations import execute_script
from services.search.repository import DOCUMENT

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    op.execute("CREATE SEQUENCE search.revisions")
    op.create_table(
        "ideas",
        sa.Column("idea_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.String(length=100), server_default="", nullable=False),
        sa.Column("campaign_listed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("submitter_id", sa.Uuid(), nullable=True),
        sa.Column("submitter_name", sa.Text(), server_default="", nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="", nullable=False),
        sa.Column("context_id", sa.String(length=100), server_default="", nullable=False),
        sa.Column("tag_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("tag_text", sa.Text(), server_default="", nullable=False),
        sa.Column("coin_total", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idea", sa.LargeBinary(), nullable=True),
        sa.Column("idea_version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("coin_version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("name_version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("campaign_version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("revision", sa.BigInteger(), server_default=sa.text("nextval('search.revisions')"),
                  nullable=False),
        sa.Column("document", postgresql.TSVECTOR(), sa.Computed(DOCUMENT, persisted=True), nullable=True),
        sa.PrimaryKeyConstraint("idea_id"),
        schema="search",
    )
    op.create_index("ix_ideas_document", "ideas", ["document"], schema="search", postgresql_using="gin")
    op.create_index("ix_ideas_campaign_status", "ideas", ["campaign_id", "status"], schema="search")
    op.create_index("ix_ideas_tag_ids", "ideas", ["tag_ids"], schema="search", postgresql_using="gin")
    op.create_index("ix_ideas_submitter", "ideas", ["submitter_id"], schema="search")
    op.create_index("ix_ideas_revision", "ideas", ["revision"], schema="search")
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.String(length=100), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id"),
        schema="search",
    )
    op.create_table(
        "tags",
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tag_id"),
        schema="search",
    )
    op.create_table(
        "people",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
        schema="search",
    )
    op.create_table(
        "lexemes",
        sa.Column("word", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("word"),
        schema="search",
    )
    op.create_index("ix_lexemes_word_trgm", "lexemes", ["word"], schema="search", postgresql_using="gin",
                    postgresql_ops={"word": "gin_trgm_ops"})
    op.create_table(
        "pending",
        sa.Column("idea_id", sa.Uuid(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("idea_id"),
        schema="search",
    )
    # Every change of a row takes a new revision (every UPDATE of the read model changes something: each states
    # its condition); the words of every document join the lexicon, a statement at a time (transition tables:
    # one INSERT for a batch of thousands of rows).
    execute_script("""
        CREATE FUNCTION search.next_revision() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.revision := nextval('search.revisions');
            RETURN NEW;
        END $$;
        CREATE TRIGGER ideas_revision BEFORE UPDATE ON search.ideas
            FOR EACH ROW EXECUTE FUNCTION search.next_revision();

        CREATE FUNCTION search.learn_words() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO search.lexemes (word)
            SELECT DISTINCT unnest(tsvector_to_array(document)) FROM changed
            ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$;
        CREATE TRIGGER ideas_words_inserted AFTER INSERT ON search.ideas
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search.learn_words();
        CREATE TRIGGER ideas_words_updated AFTER UPDATE ON search.ideas
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search.learn_words();
    """)


def downgrade() -> None:
    for table in ("pending", "lexemes", "people", "tags", "campaigns", "ideas"):
        op.drop_table(table, schema="search")
    op.execute("DROP FUNCTION search.learn_words()")
    op.execute("DROP FUNCTION search.next_revision()")
    op.execute("DROP SEQUENCE search.revisions")
