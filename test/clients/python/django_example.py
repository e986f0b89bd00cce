#!/usr/bin/env python3
"""Django's ORM, with no optimistic locking of its own, on a rowversion column.

Connects with the standard libpq environment (PGHOST, PGPORT, PGUSER,
PGDATABASE, ...) to a database where `CREATE EXTENSION concurrency` has
been run, and shows what a plain Django model gets from the database:

- Model.save() writes every field, the version included: it echoes the
  version it read, so the database moves the version on and refuses a save
  based on a version that is no longer current (40V01, which Django raises
  as django.db.utils.OperationalError; the SQLSTATE is on the psycopg2
  error, e.__cause__.pgcode);
- the trap: save() does not learn the new version, so a second save() of
  the same instance is refused unless the version is refreshed first
  (refresh_from_db(fields=["version"]));
- an edit outside Django (psql) is caught by Django's next save of what it
  read before;
- save(update_fields=[...]) and QuerySet.update() state no version: they
  move it, as any write does;
- inserts keep the field's default, 0 included.

Creates its own table and drops it at the end.  Exits non-zero if anything
turns out differently from what is printed.

Needs Django and psycopg2 (Debian: python3-django, python3-psycopg2).
"""

import os
import sys

import django
from django.conf import settings

settings.configure(
    DATABASES={"default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PGDATABASE", ""),
        "USER": os.environ.get("PGUSER", ""),
        "HOST": os.environ.get("PGHOST", ""),
        "PORT": os.environ.get("PGPORT", ""),
    }},
    INSTALLED_APPS=[],
    USE_TZ=True,
)
django.setup()

from django.db import OperationalError, connection, models  # noqa: E402

STALE_WRITE = "40V01"
TABLE = "dj_documents"


class Document(models.Model):
    title = models.TextField()
    # the rowversion column: Django sees a bigint
    version = models.BigIntegerField(default=1)

    class Meta:
        app_label = "concurrency_example"
        db_table = TABLE


def show(who, text):
    print(f"  {who:<6} {text}")


def check(condition, what):
    """Print what was checked; stop with exit status 1 if it is not so."""
    if not condition:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"  ok: {what}")


def stored(row_id):
    with connection.cursor() as cur:
        cur.execute(f"SELECT title, version FROM {TABLE} WHERE id = %s", [row_id])
        return cur.fetchone()


def save(doc, title, **kwargs):
    """Change the title and save(); return the SQLSTATE of the error, or None."""
    doc.title = title
    try:
        doc.save(**kwargs)
    except OperationalError as e:
        code = getattr(e.__cause__, "pgcode", None)
        show("django", f"-> OperationalError {code}: {str(e).splitlines()[0]}")
        return code
    show("django", f"-> saved (the instance still says version {doc.version})")
    return None


def main():
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cur.execute(f"CREATE TABLE {TABLE} (id serial PRIMARY KEY, title text NOT NULL, "
                    "version rowversion)")
    try:
        run()
    finally:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
    print("\nDjango example: all checks passed")


def run():
    print("\n== 1. Inserts keep the field's default, 0 included\n")
    doc = Document.objects.create(title="draft")
    check(stored(doc.id) == ("draft", 1), "Document.objects.create() stores version 1")
    zero = Document.objects.create(title="from zero", version=0)
    check(stored(zero.id) == ("from zero", 0), "a version of 0 (django-concurrency's default) is kept")

    print("\n== 2. save() echoes the version it read; the database moves it\n")
    a = Document.objects.get(id=doc.id)
    b = Document.objects.get(id=doc.id)
    check(save(a, "first edit") is None, "a.save() goes through")
    check(stored(doc.id) == ("first edit", 2), "the database moved the version to 2, once")
    check(save(b, "second edit") == STALE_WRITE,
          "b.save(), based on version 1, is refused with 40V01")
    check(stored(doc.id) == ("first edit", 2), "nothing of b's edit was written")

    print("\n== 3. The trap: a second save() of the same instance\n")
    check(save(a, "second edit by a") == STALE_WRITE,
          "a.save() again, still holding version 1, is refused")
    a.refresh_from_db(fields=["version"])
    show("django", f"a.refresh_from_db(fields=['version'])  -> version {a.version}")
    check(save(a, "second edit by a") is None and stored(doc.id) == ("second edit by a", 3),
          "after refreshing the version the save goes through, at version 3")

    print("\n== 4. An edit outside Django is caught by Django's next save\n")
    a.refresh_from_db(fields=["version"])
    with connection.cursor() as cur:
        show("psql", f"UPDATE {TABLE} SET title = 'fixed in psql' WHERE id = {doc.id}")
        cur.execute(f"UPDATE {TABLE} SET title = 'fixed in psql' WHERE id = %s", [doc.id])
    check(stored(doc.id) == ("fixed in psql", 4), "the database moved the version to 4")
    check(save(a, "overwrite") == STALE_WRITE,
          "a.save(), based on version 3, is refused: the psql edit is not overwritten")
    check(stored(doc.id) == ("fixed in psql", 4), "the edit made in psql is kept")

    print("\n== 5. update_fields and QuerySet.update() move the version\n")
    a.refresh_from_db()
    check(save(a, "only the title", update_fields=["title"]) is None,
          "save(update_fields=['title']) goes through")
    check(stored(doc.id) == ("only the title", 5), "and moves the version to 5")
    Document.objects.filter(id=doc.id).update(title="bulk")
    show("django", f"Document.objects.filter(id={doc.id}).update(title='bulk')")
    check(stored(doc.id) == ("bulk", 6), "QuerySet.update() moves it to 6")


if __name__ == "__main__":
    main()
