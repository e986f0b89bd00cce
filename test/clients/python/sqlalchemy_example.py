#!/usr/bin/env python3
"""SQLAlchemy's version_id_col on a rowversion column, in both of its modes.

Connects with the standard libpq environment (PGHOST, PGPORT, PGUSER,
PGDATABASE, ...) to a database where `CREATE EXTENSION concurrency` has
been run, and shows, for each mode:

- SQLAlchemy's own protocol unchanged: a save of a row read at an older
  version matches no row and raises StaleDataError;
- an edit made outside SQLAlchemy (psql) is caught by SQLAlchemy's next
  save of the row it had read before that edit;
- every save moves the version exactly once; inserts work with the
  mapper's defaults.

Mode 1, the default: SQLAlchemy counts the version itself, sends
SET version = old + 1 and filters on WHERE version = old; the database
keeps a stated version above the stored one.

Mode 2, version_id_generator=False: SQLAlchemy leaves the version to the
server and reads it back with RETURNING; the database moves it.  (Not for
a strict table: that refuses an UPDATE that states no version.)

Creates its own tables and drops them at the end.  Exits non-zero if
anything turns out differently from what is printed.

Needs SQLAlchemy and psycopg2 (Debian: python3-sqlalchemy,
python3-psycopg2).
"""

import sys

import psycopg2
from sqlalchemy import BigInteger, Column, FetchedValue, Integer, Text, create_engine
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.orm.exc import StaleDataError

Base = declarative_base()


class ClientCounted(Base):
    """Mode 1: SQLAlchemy computes the next version."""
    __tablename__ = "sa_counted"
    id = Column(Integer, primary_key=True)
    title = Column(Text, nullable=False)
    version = Column(BigInteger, nullable=False)
    __mapper_args__ = {"version_id_col": version}


class ServerCounted(Base):
    """Mode 2: the database moves the version; SQLAlchemy reads it back."""
    __tablename__ = "sa_server"
    id = Column(Integer, primary_key=True)
    title = Column(Text, nullable=False)
    # the server fills it on INSERT (DEFAULT 1) and moves it on UPDATE
    version = Column(BigInteger, nullable=False,
                     server_default=FetchedValue(), server_onupdate=FetchedValue())
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False,
                       "eager_defaults": True}


def show(who, text):
    print(f"  {who:<6} {text}")


def check(condition, what):
    """Print what was checked; stop with exit status 1 if it is not so."""
    if not condition:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"  ok: {what}")


def stored(psql, model, row_id):
    with psql.cursor() as cur:
        cur.execute(f"SELECT title, version FROM {model.__tablename__} WHERE id = %s",
                    (row_id,))
        return cur.fetchone()


def edit_in_psql(psql, model, row_id, title):
    sql = f"UPDATE {model.__tablename__} SET title = %s WHERE id = %s RETURNING version"
    show("psql", sql % (repr(title), row_id))
    with psql.cursor() as cur:
        cur.execute(sql, (title, row_id))
        return cur.fetchone()[0]


def save(session, obj, title):
    """Change the title and commit; return the StaleDataError, or None."""
    obj.title = title
    try:
        session.commit()
    except StaleDataError as e:
        session.rollback()
        show("orm", f"-> StaleDataError: {e}")
        return e
    show("orm", f"-> saved at version {obj.version}")
    return None


def run_mode(engine, psql, model, label):
    print(f"\n== {label}\n")

    # Inserts with the mapper's defaults: mode 1 sends version 1 itself,
    # mode 2 leaves the column out and the database starts it at 1.
    with Session(engine) as session:
        doc = model(id=1, title="draft")
        session.add(doc)
        session.commit()
        check(doc.version == 1 and stored(psql, model, 1) == ("draft", 1),
              "a new row is at version 1, in SQLAlchemy and in the database")

    # Two sessions read the row; the first save wins, the second is stale.
    a_session, b_session = Session(engine), Session(engine)
    try:
        two_sessions(psql, model, a_session, b_session)
    finally:
        a_session.close()
        b_session.close()


def two_sessions(psql, model, a_session, b_session):
    a = a_session.get(model, 1)
    b = b_session.get(model, 1)
    show("orm", f"a and b read version {a.version} and {b.version}")
    check(save(a_session, a, "first edit") is None and a.version == 2,
          "a is saved at version 2")
    check(stored(psql, model, 1) == ("first edit", 2),
          "the database holds version 2: the save moved it exactly once")
    check(isinstance(save(b_session, b, "second edit"), StaleDataError),
          "b, still at version 1, raises StaleDataError")
    check(stored(psql, model, 1) == ("first edit", 2), "nothing of b's edit was written")

    # An edit outside SQLAlchemy moves the version; a's next save, based on
    # what a read before it, is caught.
    moved = edit_in_psql(psql, model, 1, "fixed in psql")
    check(moved == 3, "the database moved the version to 3, though psql did not mention it")
    check(isinstance(save(a_session, a, "third edit"), StaleDataError),
          "a, holding version 2, raises StaleDataError")
    check(stored(psql, model, 1) == ("fixed in psql", 3), "the edit made in psql is kept")

    # Re-read, and the save goes through, moving the version once.
    a_session.expire_all()
    a = a_session.get(model, 1)
    check(save(a_session, a, "third edit") is None and a.version == 4,
          "after a re-read the save succeeds at version 4")
    check(stored(psql, model, 1) == ("third edit", 4), "the database holds version 4")


def main():
    psql = psycopg2.connect("")
    psql.autocommit = True
    with psql.cursor() as cur:
        cur.execute("SELECT current_database(), current_user")
        print("connected to database '%s' as '%s'" % cur.fetchone())
        for model in (ClientCounted, ServerCounted):
            cur.execute(f"DROP TABLE IF EXISTS {model.__tablename__}")
            cur.execute(f"CREATE TABLE {model.__tablename__} "
                        "(id int PRIMARY KEY, title text NOT NULL, version rowversion)")

    engine = create_engine("postgresql+psycopg2://", future=True)
    try:
        run_mode(engine, psql, ClientCounted,
                 "1. version_id_col: SQLAlchemy counts, the database checks")
        run_mode(engine, psql, ServerCounted,
                 "2. version_id_generator=False: the database counts")
    finally:
        engine.dispose()
        with psql.cursor() as cur:
            for model in (ClientCounted, ServerCounted):
                cur.execute(f"DROP TABLE IF EXISTS {model.__tablename__}")
        psql.close()
    print("\nSQLAlchemy example: all checks passed")


if __name__ == "__main__":
    main()
