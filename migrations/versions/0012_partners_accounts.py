"""partners: partner accounts, signing by the partner itself and DPO review

A user account may belong to an organisation and be its data protection officer; the new role
``partner``; a party's sign-off records the account that signed it in the registry or the editor
who recorded it from paper, and when; the DPO reviews of agreements.

Revision ID: partners_accounts
Revises: oidc_subject
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'partners_accounts'
down_revision = 'reminders_sent_notice'
branch_labels = None
depends_on = None

OLD_ROLES = ('viewer', 'editor', 'admin')
NEW_ROLES = ('viewer', 'editor', 'admin', 'partner')


def _roles(values):
    return sa.Enum(*values, name='user_role', native_enum=False, create_constraint=True,
                   length=max(map(len, values)))


def _change_roles(old, new):
    """Widen or narrow the role column and its CHECK constraint: SQLite copies the table (batch
    mode), PostgreSQL alters it in place (other tables' foreign keys point at it)."""
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('user_account', schema=None, recreate='always') as batch_op:
            batch_op.alter_column('role', existing_type=_roles(old), type_=_roles(new), existing_nullable=False)
        return
    op.drop_constraint(op.f('ck_user_account_user_role'), 'user_account', type_='check')
    op.alter_column('user_account', 'role', existing_type=sa.String(length=max(map(len, old))),
                    type_=sa.String(length=max(map(len, new))), existing_nullable=False)
    values = ", ".join(f"'{v}'" for v in new)
    op.create_check_constraint(op.f('ck_user_account_user_role'), 'user_account', sa.text(f"role IN ({values})"))


def upgrade():
    _change_roles(OLD_ROLES, NEW_ROLES)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_dpo', sa.Boolean(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_user_account_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_account_organisation_id_organisation'),
                                    'organisation', ['organisation_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('agreement_party', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_by_account', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('recorded_by', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('signed_at', sa.String(length=20), nullable=True))

    op.create_table('dpo_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_key', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.Enum('approved', 'returned', name='dpo_review_outcome', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.String(length=320), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('audit_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dpo_review'))
    )
    with op.batch_alter_table('dpo_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dpo_review_agreement_key'), ['agreement_key'], unique=False)


def downgrade():
    with op.batch_alter_table('dpo_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dpo_review_agreement_key'))
    op.drop_table('dpo_review')

    with op.batch_alter_table('agreement_party', schema=None) as batch_op:
        batch_op.drop_column('signed_at')
        batch_op.drop_column('recorded_by')
        batch_op.drop_column('signed_by_account')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_account_organisation_id'))
        batch_op.drop_column('is_dpo')
        batch_op.drop_column('organisation_id')
    # A partner account cannot be kept as one: it becomes a viewer, which reads everything, so
    # deactivate it rather than widen what it may see.
    op.execute("UPDATE user_account SET role = 'viewer', active = false WHERE role = 'partner'")
    _change_roles(NEW_ROLES, OLD_ROLES)
