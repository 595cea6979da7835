"""webhook endpoints, deliveries and the job worker (issue 5)

Revision ID: 0004_webhooks
Revises: 0003_chat
"""

revision = "0004_webhooks"
down_revision = "0003_chat"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
