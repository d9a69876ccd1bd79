"""agreement party contract reference (a processor's Art 28(3) contract)

Revision ID: law_party_contract_reference
Revises: 0002
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'law_party_contract_reference'
down_revision = 'sessions_throttle'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreement_party', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_reference', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('agreement_party', schema=None) as batch_op:
        batch_op.drop_column('contract_reference')
