"""chat messages and per-room sequences (issue 4)

Revision ID: 0003_chat
Revises: 0002_livekit
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_chat"
down_revision = "0002_livekit"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender_identity", sa.String(length=128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("room_id", "seq", name="uq_chat_messages_room_seq"),
    )
    op.create_table(
        "chat_sequences",
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"]),
        sa.PrimaryKeyConstraint("room_id"),
    )
    op.create_table(
        "chat_presence",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.String(length=32), nullable=False),
        sa.Column("identity", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chat_presence", schema=None) as batch_op:
        batch_op.create_index("ix_chat_presence_room", ["room_id", "identity"], unique=False)
        batch_op.create_index("ix_chat_presence_seen_at", ["seen_at"], unique=False)


def downgrade():
    with op.batch_alter_table("chat_presence", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_presence_seen_at")
        batch_op.drop_index("ix_chat_presence_room")
    op.drop_table("chat_presence")
    op.drop_table("chat_sequences")
    op.drop_table("chat_messages")
