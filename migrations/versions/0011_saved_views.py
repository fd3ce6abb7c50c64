"""saved views: a staff member's search filters kept under a name

Revision ID: saved_views
Revises: search_index
"""
from alembic import op
import sqlalchemy as sa

revision = 'saved_views'
down_revision = 'search_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'saved_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_saved_views_user_id_users',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_saved_views'),
        sa.UniqueConstraint('user_id', 'name', name='uq_saved_views_user_name'),
    )
    op.create_index('ix_saved_views_user_id', 'saved_views', ['user_id'])


def downgrade() -> None:
    op.drop_index('ix_saved_views_user_id', table_name='saved_views')
    op.drop_table('saved_views')
