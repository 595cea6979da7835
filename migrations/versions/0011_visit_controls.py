"""telehealth visit controls: waiting room, scheduled end, recording consent mode (issue 11)

Revision ID: 0011_visit_controls
Revises: 0005_recordings
"""

from alembic import op
import sqlalchemy as sa

revision = "0011_visit_controls"
down_revision = "0005_recordings"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting_room", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("recording_consent", sa.String(length=16), nullable=False, server_default="notice")
        )

    op.create_table(
        "waiting_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("identity", sa.String(length=128), nullable=False),
        sa.Column("identity_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("token_id", sa.String(length=32), nullable=True),
        sa.Column("sid", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("waiting_since", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("room_id", "identity_hash", name="uq_waiting_entries_room_identity"),
    )


def downgrade():
    op.drop_table("waiting_entries")
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_column("recording_consent")
        batch_op.drop_column("ends_at")
        batch_op.drop_column("waiting_room")
