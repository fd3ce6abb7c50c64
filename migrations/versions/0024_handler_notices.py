"""handler_notices: a staff notice may name one person of its unit (the handler just assigned)

Revision ID: handler_notices
Revises: surge_alerts
"""
from alembic import op
import sqlalchemy as sa

revision = 'handler_notices'
down_revision = 'surge_alerts'
branch_labels = None
depends_on = None


# Plain add_column, as incident_groups does: SQLite cannot add a foreign key to an existing
# table, so the constraint is PostgreSQL's only.
def upgrade() -> None:
    op.add_column('notifications', sa.Column('user_id', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != 'sqlite':
        op.create_foreign_key('fk_notifications_user_id_users', 'notifications', 'users',
                              ['user_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_notifications_user_id_users', 'notifications', type_='foreignkey')
    op.drop_column('notifications', 'user_id')
