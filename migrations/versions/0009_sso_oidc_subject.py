"""single sign-on: the OpenID Connect identity of each account

The provider's issuer and subject identifier that sign in as the account, unique, empty until the
account first signs in with single sign-on.

Revision ID: oidc_subject
Revises: sessions_throttle
Create Date: 2026-12-02 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'oidc_subject'
down_revision = 'api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=600), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_oidc_subject'), ['oidc_subject'])


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_account_oidc_subject'), type_='unique')
        batch_op.drop_column('oidc_subject')
