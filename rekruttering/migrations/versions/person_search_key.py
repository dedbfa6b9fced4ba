"""person search keys: the name folded for search (åse = ÅSE = Åse) and without accents

Revision ID: person_search_key
Revises: closed_periods
Create Date: 2026-11-29 04:40:00

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = 'person_search_key'
down_revision = 'closed_periods'
branch_labels = None
depends_on = None

# The folding as it was when this revision was written (rekruttering/domain/search_text.py),
# copied so that the revision does the same thing whatever the code becomes.
_SPACES = re.compile(r"\s+")
LENGTH = 200
BATCH = 1000


def _clean(text):
    value = "" if text is None else str(text)
    out = []
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") or char in "\u2028\u2029":
            out.append(" ")
        else:
            out.append(char)
    return _SPACES.sub(" ", "".join(out)).strip()


def _fold(text):
    return _clean(unicodedata.normalize("NFKC", _clean(text)).casefold())


def _plain(folded):
    value = _clean(folded).casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    decomposed = unicodedata.normalize("NFKD", value)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _keys(first_name, last_name):
    folded = _fold(f"{first_name or ''} {last_name or ''}")
    return folded[:LENGTH], _plain(folded)[:LENGTH]


def upgrade():
    # Plain ADD COLUMN: no copy of the person table is needed for two new columns.
    op.add_column('person', sa.Column('search_key', sa.String(length=200), server_default='', nullable=False))
    op.add_column('person', sa.Column('search_plain', sa.String(length=200), server_default='', nullable=False))

    # Backfill in Python (SQLite's lower() folds only A-Z), in batches by id.
    conn = op.get_bind()
    person = sa.table(
        'person',
        sa.column('id', sa.Integer),
        sa.column('first_name', sa.String),
        sa.column('last_name', sa.String),
        sa.column('anonymised_at'),
        sa.column('search_key', sa.String),
        sa.column('search_plain', sa.String),
    )
    update = (
        sa.update(person)
        .where(person.c.id == sa.bindparam('pid'))
        .values(search_key=sa.bindparam('key'), search_plain=sa.bindparam('plain'))
    )
    last_id = 0
    while True:
        rows = conn.execute(
            sa.select(person.c.id, person.c.first_name, person.c.last_name)
            .where(person.c.id > last_id, person.c.anonymised_at.is_(None))
            .order_by(person.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        params = []
        for pid, first_name, last_name in rows:
            key, plain = _keys(first_name, last_name)
            params.append({'pid': pid, 'key': key, 'plain': plain})
        conn.execute(update, params)
        last_id = rows[-1][0]

    op.create_index('ix_person_centre_search_key', 'person', ['centre_id', 'search_key'], unique=False)
    op.create_index('ix_person_centre_search_plain', 'person', ['centre_id', 'search_plain'], unique=False)


def downgrade():
    op.drop_index('ix_person_centre_search_plain', table_name='person')
    op.drop_index('ix_person_centre_search_key', table_name='person')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('search_plain')
        batch_op.drop_column('search_key')
