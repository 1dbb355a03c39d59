"""users: the name folded (lower case, no accents) for the account search and @mentions

« heloise » finds « Héloïse »: SQLite's lower() knows only ASCII, and neither database
drops accents. Kept by the model (User.name_key) whenever the name changes.

Revision ID: 0012_user_name_key
Revises: 0011_notification_message_text
Create Date: 2026-12-02 00:00:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0012_user_name_key'
down_revision = '0011_notification_message_text'
branch_labels = None
depends_on = None


def _folded(text):
    # app.accounts.models.folded as of this revision (a migration does not import the app).
    spelled = (text or "").casefold().replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    decomposed = unicodedata.normalize("NFKD", spelled)
    return "".join(c for c in decomposed if not unicodedata.combining(c))[:240]


def upgrade():
    # A plain ADD COLUMN on both databases (no batch: rebuilding `users` on SQLite would
    # drop it, and with foreign keys on, every membership with it).
    op.add_column('users', sa.Column('name_key', sa.String(length=240), nullable=False,
                                     server_default=''))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('full_name', sa.String),
                     sa.column('name_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.full_name)).all()
    if rows:
        connection.execute(
            users.update().where(users.c.id == sa.bindparam('user_id'))
            .values(name_key=sa.bindparam('key')),
            [{'user_id': row.id, 'key': _folded(row.full_name)} for row in rows])


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # Native since SQLite 3.35, where a batch rebuild would take the memberships along.
        op.execute("ALTER TABLE users DROP COLUMN name_key")
    else:
        op.drop_column('users', 'name_key')
