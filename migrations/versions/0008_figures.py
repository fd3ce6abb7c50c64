"""dashboard figures: a daily rollup per dimension (figures_daily) refreshed by a periodic job,
its watermark (figures_state), and running clocks indexed by due and warning time

Revision ID: 0008_figures
Revises: 0007_dashboard
"""
from alembic import op
import sqlalchemy as sa

import hotline.models.base

revision = '0008_figures'
down_revision = '0007_dashboard'
branch_labels = None
depends_on = None

UTC = hotline.models.base.UTCDateTime()
RUNNING = sa.text("stopped_at IS NULL")
COUNTS = ('volume', 'repeats', 'dispatched', 'responded', 'answered', 'on_time', 'open',
          'overdue', 'rated_solved', 'solved', 'rated_satisfied', 'satisfied', 'not_rated')


def upgrade() -> None:
    op.create_table('figures_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('dim', sa.String(length=12), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=True),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figures_daily'))
    )
    op.create_index('ix_figures_daily_day_dim', 'figures_daily', ['day', 'dim'])
    op.create_table('figures_state',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('refreshed_at', UTC, nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_figures_state'))
    )
    op.drop_index('ix_deadline_clocks_running_due', table_name='deadline_clocks')
    op.create_index('ix_deadline_clocks_running_due', 'deadline_clocks', ['due_at', 'warn_at'],
                    postgresql_where=RUNNING, sqlite_where=RUNNING)


def downgrade() -> None:
    op.drop_index('ix_deadline_clocks_running_due', table_name='deadline_clocks')
    op.create_index('ix_deadline_clocks_running_due', 'deadline_clocks', ['due_at'],
                    postgresql_where=RUNNING, sqlite_where=RUNNING)
    op.drop_table('figures_state')
    op.drop_index('ix_figures_daily_day_dim', table_name='figures_daily')
    op.drop_table('figures_daily')
