"""recording consent ledger (issue 11)

Revision ID: 0012_recording_consents
Revises: 0011_visit_controls
"""

from alembic import op
import sqlalchemy as sa

revision = "0012_recording_consents"
down_revision = "0011_visit_controls"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recording_consents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("recording_id", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("identity", sa.String(length=128), nullable=False),
        sa.Column("identity_hash", sa.String(length=64), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recording_id", "identity_hash", name="uq_recording_consents_recording_identity"),
    )
    with op.batch_alter_table("recording_consents", schema=None) as batch_op:
        batch_op.create_index("ix_recording_consents_recording_id", ["recording_id"], unique=False)


def downgrade():
    with op.batch_alter_table("recording_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_recording_consents_recording_id")
    op.drop_table("recording_consents")
