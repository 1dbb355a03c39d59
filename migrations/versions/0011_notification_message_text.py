"""notifications: a moderator's message is kept whole (Text, was 600 characters)

A hiding or restoring reason may take 1,000 characters, after the thread's title.

Revision ID: 0011_notification_message_text
Revises: 0010_file_ids_never_reused
Create Date: 2026-12-02 00:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_notification_message_text'
down_revision = '0010_file_ids_never_reused'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.alter_column('message', existing_type=sa.String(length=600),
                              type_=sa.Text(), existing_nullable=False)


def downgrade():
    op.execute("UPDATE notifications SET message = substr(message, 1, 600)")
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.alter_column('message', existing_type=sa.Text(),
                              type_=sa.String(length=600), existing_nullable=False)
