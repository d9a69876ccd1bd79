"""agreement attachments (signed copies) and the publish flag

Revision ID: documents_attachments_publish
Revises: 0002
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'documents_attachments_publish'
down_revision = 'oidc_subject'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.alter_column('publish', server_default=None)
    op.create_table(
        'agreement_attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by', sa.String(length=320), nullable=False),
        sa.Column('uploaded_on', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_attachment_agreement_id_agreement')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_attachment')),
        sa.UniqueConstraint('agreement_id', 'sha256', name='attachment_file'),
    )
    with op.batch_alter_table('agreement_attachment', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_agreement_attachment_agreement_id'), ['agreement_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('agreement_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_attachment_agreement_id'))
    op.drop_table('agreement_attachment')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_column('publish')
