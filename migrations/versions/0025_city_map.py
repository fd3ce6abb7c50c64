"""city_map: a point for each place of the gazetteer, and the city's boundary GeoJSON (issue 18)

Revision ID: city_map
Revises: handler_notices
"""
from alembic import op
import sqlalchemy as sa

import hotline.models.base

revision = 'city_map'
down_revision = 'handler_notices'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on `places` (not batch mode), and one new table; `tickets` already keeps
# the citizen's own position (migration citizen_location).
def upgrade() -> None:
    op.add_column('places', sa.Column('lat', sa.Double(), nullable=True))
    op.add_column('places', sa.Column('lng', sa.Double(), nullable=True))
    op.create_table('city_maps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('geojson', sa.JSON(), nullable=False),
    sa.Column('features', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', hotline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_maps'))
    )


def downgrade() -> None:
    op.drop_table('city_maps')
    op.drop_column('places', 'lng')
    op.drop_column('places', 'lat')
