"""knowledge base: articles and their search terms; index for the console's same-place lookup

Revision ID: 0005_knowledge
Revises: 0004_unit
"""
from alembic import op
import sqlalchemy as sa

import hotline.models.base

revision = '0005_knowledge'
down_revision = '0004_unit'
branch_labels = None
depends_on = None

UTC = hotline.models.base.UTCDateTime()


def upgrade() -> None:
    op.create_table('knowledge_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('keywords', sa.String(length=300), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', UTC, nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_knowledge_articles_topic_id_topics')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_knowledge_articles_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_articles'))
    )
    with op.batch_alter_table('knowledge_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_articles_active'), ['active'], unique=False)

    op.create_table('knowledge_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['knowledge_articles.id'], name=op.f('fk_knowledge_terms_article_id_knowledge_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_terms'))
    )
    with op.batch_alter_table('knowledge_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_terms_article_id'), ['article_id'], unique=False)
        batch_op.create_index('ix_knowledge_terms_term_article', ['term', 'article_id'], unique=False)

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_district_created', ['district', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_district_created')
    with op.batch_alter_table('knowledge_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_knowledge_terms_term_article')
        batch_op.drop_index(batch_op.f('ix_knowledge_terms_article_id'))
    op.drop_table('knowledge_terms')
    with op.batch_alter_table('knowledge_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_articles_active'))
    op.drop_table('knowledge_articles')
