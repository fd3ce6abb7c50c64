"""citizen_location: the position a citizen gave with a request (browser, photo GPS, Open311)

Revision ID: citizen_location
Revises: live_stamps
"""
from alembic import op
import sqlalchemy as sa

revision = 'citizen_location'
down_revision = 'live_stamps'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: rebuilding `tickets` on SQLite would drop the search
# index's triggers (migration search_index).
def upgrade() -> None:
    op.add_column('tickets', sa.Column('latitude', sa.Float(), nullable=True))
    op.add_column('tickets', sa.Column('longitude', sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column('tickets', 'longitude')
    op.drop_column('tickets', 'latitude')
