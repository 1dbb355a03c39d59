"""contract templates: offered in the toolbox (/outils) as a blank livret to print

Revision ID: 0009_template_toolbox
Revises: 0008_onboarding
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_template_toolbox'
down_revision = '0008_onboarding'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contract_templates') as batch_op:
        batch_op.add_column(sa.Column('in_toolbox', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('toolbox_since', sa.DateTime(), nullable=True))
    # The shared templates published so far were offered there by a paragraph: keep them.
    op.execute("UPDATE contract_templates SET in_toolbox = TRUE, toolbox_since = updated_at "
               "WHERE organisation_id IS NULL AND published = TRUE")


def downgrade():
    with op.batch_alter_table('contract_templates') as batch_op:
        batch_op.drop_column('toolbox_since')
        batch_op.drop_column('in_toolbox')
