"""level_figures: rebuild the figures rollup, which now has the street view (dim "street")

Revision ID: level_figures
Revises: ticket_forwarding
"""
from alembic import op

revision = 'level_figures'
down_revision = '0019_risk_triage'
branch_labels = None
depends_on = None


# No schema change: the rollup's days were computed without the new dimension, so forgetting
# the watermark makes the next refresh (the scheduler's, within a minute) recompute every day.
def upgrade() -> None:
    op.execute("DELETE FROM figures_state WHERE name = 'daily'")


def downgrade() -> None:
    op.execute("DELETE FROM figures_state WHERE name = 'daily'")
