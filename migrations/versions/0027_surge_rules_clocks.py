"""surge_rules: the administrators' rule per surge window (its tail: negative binomial or
Poisson); governance_tasks.overdue_at and due_warned_at: when the deadline scan told the unit
(and supervisors) a 主动治理 task is past due, and warned it the working day before

Revision ID: surge_rules_clocks
Revises: community_points
"""
from alembic import op
import sqlalchemy as sa

import hotline.models.base

revision = 'surge_rules_clocks'
down_revision = 'community_points'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'surge_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('window', sa.String(length=8), nullable=False),
        sa.Column('method', sa.String(length=8), nullable=False),
        sa.Column('threshold', sa.Double(), nullable=False),
        sa.Column('min_count', sa.Integer(), nullable=False),
        sa.Column('min_ratio', sa.Double(), nullable=False),
        sa.Column('floor', sa.Double(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_surge_rules')),
        sa.UniqueConstraint('window', name=op.f('uq_surge_rules_window')),
    )
    op.add_column('governance_tasks',
                  sa.Column('overdue_at', hotline.models.base.UTCDateTime(timezone=True), nullable=True))
    op.add_column('governance_tasks',
                  sa.Column('due_warned_at', hotline.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('governance_tasks', 'due_warned_at')
    op.drop_column('governance_tasks', 'overdue_at')
    op.drop_table('surge_rules')
