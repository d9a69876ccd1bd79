"""reminders: the sent-log of send-reminders

Each reminder or digest e-mailed to one person, once: unique on the notice's identity and the
recipient.

Revision ID: reminders_sent_notice
Revises: oidc_subject
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'reminders_sent_notice'
down_revision = 'documents_attachments_publish'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sent_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('identity', sa.String(length=500), nullable=False),
        sa.Column('kind', sa.String(length=50), nullable=False),
        sa.Column('subject_key', sa.String(length=100), nullable=False),
        sa.Column('recipient', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=500), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_notice')),
        sa.UniqueConstraint('identity', 'recipient', name=op.f('uq_sent_notice_identity')),
    )
    with op.batch_alter_table('sent_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_notice_sent_at'), ['sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sent_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_notice_sent_at'))
    op.drop_table('sent_notice')
