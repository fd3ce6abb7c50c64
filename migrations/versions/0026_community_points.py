"""community_points: communities (社区/村) in the gazetteer, under their street, and the
community a ticket is located in (issue 18)

Revision ID: community_points
Revises: city_map
"""
from alembic import op
import sqlalchemy as sa

revision = 'community_points'
down_revision = 'city_map'
branch_labels = None
depends_on = None


# `places` is rebuilt in batch mode on SQLite to widen `kind` ("community" is nine letters; the
# table has no triggers). `tickets` only gains a column: op.add_column does not rebuild it, so
# its search triggers stay (docs/architecture.md, "A migration on tickets").
def upgrade() -> None:
    with op.batch_alter_table('places') as batch:
        batch.alter_column('kind', existing_type=sa.String(length=8), type_=sa.String(length=16),
                           existing_nullable=False)
        batch.add_column(sa.Column('street_code', sa.String(length=16), nullable=True))
    op.add_column('tickets', sa.Column('community', sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column('tickets', 'community')
    op.execute("DELETE FROM places WHERE kind = 'community'")
    with op.batch_alter_table('places') as batch:
        batch.drop_column('street_code')
        batch.alter_column('kind', existing_type=sa.String(length=16), type_=sa.String(length=8),
                           existing_nullable=False)
