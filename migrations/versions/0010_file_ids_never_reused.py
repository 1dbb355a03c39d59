"""files: on SQLite, the id of a deleted file is never given to another (AUTOINCREMENT)

Links to a file (e-mails, bookmarks, the toolbox) carry its id; without AUTOINCREMENT,
SQLite gives the highest id again after that row is deleted. PostgreSQL's sequences never
do: nothing changes there.

Revision ID: 0010_file_ids_never_reused
Revises: 0009_template_toolbox
Create Date: 2026-12-01 23:50:00

"""
from alembic import op


revision = '0010_file_ids_never_reused'
down_revision = '0009_template_toolbox'
branch_labels = None
depends_on = None

TABLES = ('discussion_files', 'practice_files')


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade():
    _recreate(True)


def downgrade():
    _recreate(False)
