"""LiveKit participants, tokens, sessions and audit log (issue 3)

Revision ID: 0002_livekit
Revises: 0001_foundation
"""

revision = "0002_livekit"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
