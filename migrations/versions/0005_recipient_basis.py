"""the recipient's own basis for what a flow carries (flows[].recipient_basis)

Revision ID: recipient_basis
Revises: 0002
Create Date: 2026-12-02 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'recipient_basis'
down_revision = 'law_party_contract_reference'
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


# Every column may be null: a recipient's basis not recorded has a null recipient_basis_regime.
COLUMNS = (
    ('recipient_basis_regime', _enum('recipient_basis_regime', 'uk_gdpr', 'law_enforcement')),
    ('recipient_basis_article6', _enum('recipient_basis_article6', 'a', 'b', 'c', 'd', 'e', 'ea', 'f')),
    ('recipient_basis_recognised_interest', sa.String(length=100)),
    (
        'recipient_basis_article9',
        _enum('recipient_basis_article9', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'),
    ),
    ('recipient_basis_schedule1', sa.JSON()),
    ('recipient_basis_official_authority', sa.Boolean()),
    (
        'recipient_basis_law_enforcement_basis',
        _enum('recipient_basis_law_enforcement_basis', 'consent', 'task'),
    ),
    ('recipient_basis_schedule8', sa.JSON()),
    ('recipient_basis_legislation', sa.JSON()),
)


def upgrade():
    with op.batch_alter_table('flow', schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade():
    # The enumerations' CHECK constraints go first, by the names the database gave them (SQLite's
    # batch mode copies them into the rebuilt table, where they would name columns no longer there).
    columns = {name for name, _ in COLUMNS}
    checks = [
        c['name'] for c in sa.inspect(op.get_bind()).get_check_constraints('flow')
        if c['name'] and any(c['name'].endswith(name) for name in columns)
    ]
    with op.batch_alter_table('flow', schema=None) as batch_op:
        for name in checks:
            batch_op.drop_constraint(op.f(name), type_='check')
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
