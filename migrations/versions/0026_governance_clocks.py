"""governance_tasks.overdue_at: when the deadline scan told the unit and supervisors a 主动治理 task is past due

Revision ID: governance_clocks
Revises: city_map
"""
from alembic import op
import sqlalchemy as sa

import hotline.models.base

revision = 'governance_clocks'
down_revision = 'city_map'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('governance_tasks',
                  sa.Column('overdue_at', hotline.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('governance_tasks', 'overdue_at')
