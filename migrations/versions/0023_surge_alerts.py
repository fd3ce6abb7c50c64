"""surge_alerts: 未诉先办 — the hot-phrase stop words administrators edit

Revision ID: surge_alerts
Revises: ticket_forwarding
"""
from alembic import op
import sqlalchemy as sa

revision = 'surge_alerts'
down_revision = 'ticket_forwarding'
branch_labels = None
depends_on = None


# New tables only: `tickets` itself is not altered (its search triggers stay as they are).
def upgrade() -> None:
    op.create_table('phrase_stop_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=20), nullable=False),
    sa.Column('keep', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phrase_stop_words')),
    sa.UniqueConstraint('word', name=op.f('uq_phrase_stop_words_word'))
    )


def downgrade() -> None:
    op.drop_table('phrase_stop_words')
