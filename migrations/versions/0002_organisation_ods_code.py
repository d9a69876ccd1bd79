"""organisation ODS code

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ods_code', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('ods_code')
