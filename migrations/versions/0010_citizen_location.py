"""citizen_location: the position a citizen gave with a request (browser, photo GPS, Open311)

Revision ID: citizen_location
Revises: 0009_trust
"""
from alembic import op
import sqlalchemy as sa

revision = 'citizen_location'
down_revision = '0009_trust'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch.add_column(sa.Column('longitude', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('longitude')
        batch.drop_column('latitude')
