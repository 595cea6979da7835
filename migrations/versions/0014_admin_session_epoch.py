"""admin users' session epoch: log-out and password resets end every session (issue 13)

Revision ID: 0014_admin_session_epoch
Revises: 0013_retention
"""

from alembic import op
import sqlalchemy as sa

revision = "0014_admin_session_epoch"
down_revision = "0013_retention"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
