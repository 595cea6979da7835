"""chat messages and per-room sequences (issue 4)

Revision ID: 0003_chat
Revises: 0002_livekit
"""

revision = "0003_chat"
down_revision = "0002_livekit"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
