"""per-project data retention (issue 13)

Revision ID: 0013_retention
Revises: 0012_recording_consents
"""

from alembic import op
import sqlalchemy as sa

revision = "0013_retention"
down_revision = "0012_recording_consents"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retention_policies",
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("chat_messages_days", sa.Integer(), nullable=True),
        sa.Column("sessions_days", sa.Integer(), nullable=True),
        sa.Column("recordings_days", sa.Integer(), nullable=True),
        sa.Column("webhook_deliveries_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("project_id"),
    )
    # The purge finds expired rows by age; these keep its batches to index range scans.
    op.create_index("ix_chat_messages_project_sent", "chat_messages", ["project_id", "sent_at"])
    op.create_index("ix_sessions_project_created", "sessions", ["project_id", "created_at"])
    op.create_index("ix_webhook_deliveries_project_created", "webhook_deliveries", ["project_id", "created_at"])


def downgrade():
    op.drop_index("ix_webhook_deliveries_project_created", table_name="webhook_deliveries")
    op.drop_index("ix_sessions_project_created", table_name="sessions")
    op.drop_index("ix_chat_messages_project_sent", table_name="chat_messages")
    op.drop_table("retention_policies")
