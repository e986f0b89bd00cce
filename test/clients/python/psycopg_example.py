#!/usr/bin/env python3
"""Optimistic locking with the concurrency extension, from psycopg 3.

Connects with the standard libpq environment (PGHOST, PGPORT, PGUSER,
PGDATABASE, PGPASSWORD, ...) to a database where
`CREATE EXTENSION concurrency` has been run, and shows:

1. a stale write refused with SQLSTATE 40V01, caught by its code, with the
   error's fields (table, column, schema, detail, hint); the writer re-reads
   the row and retries successfully;
2. a bulk "list edit" of 20 rows with `SET concurrency.on_conflict = skip`
   while another connection changed some of those rows: the changed rows are
   skipped, and the NOTICEs and RETURNING tell exactly which.

Creates its own tables and drops them at the end.  Exits non-zero if
anything turns out differently from what is printed.

Needs psycopg 3 (Debian: apt-get install python3-psycopg).
"""

import re
import sys

import psycopg

# The extension's "stale write" error.  psycopg has no exception class of
# its own for a SQLSTATE it does not know: lookup("40V01") raises KeyError,
# and the error arrives as the class-40 base class (OperationalError in
# psycopg 3.1), so the code is what to test.
STALE_WRITE = "40V01"

ACCOUNTS = "py_accounts"
ITEMS = "py_items"


def show(who, text):
    print(f"  {who:<6} {text}")


def result(text):
    print(f"  {'':<6}   -> {text}")


def check(condition, what):
    """Print what was checked; stop with exit status 1 if it is not so."""
    if not condition:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"  ok: {what}")


def stale_write_and_retry(alice, bob):
    print("\n== 1. A stale write is refused; re-read and retry\n")
    alice.execute(f"CREATE TABLE {ACCOUNTS} (id int PRIMARY KEY, "
                  "balance numeric NOT NULL, version rowversion)")
    alice.execute(f"INSERT INTO {ACCOUNTS} (id, balance) VALUES (1, 100)")

    # Both read the same row: balance 100 at version 1.
    read = f"SELECT balance, version FROM {ACCOUNTS} WHERE id = %s"
    show("alice", read.replace("%s", "1"))
    cur = alice.execute(read, (1,))
    balance, version = cur.fetchone()
    result(f"balance={balance} version={version}")
    # rowversion is a domain over bigint; the server reports the base type.
    check(cur.description[1].type_code == 20,
          "the version column arrives as bigint (type OID 20)")
    check(type(version) is int, "the version decodes as a Python int")
    check(version == 1, "a new row starts at version 1")

    show("bob", read.replace("%s", "1"))
    bob_balance, bob_version = bob.execute(read, (1,)).fetchone()
    result(f"balance={bob_balance} version={bob_version}")

    # Each writes back the version it read.  Bob is first and wins.
    write = (f"UPDATE {ACCOUNTS} SET balance = %s, version = %s "
             "WHERE id = %s RETURNING version")
    show("bob", f"UPDATE {ACCOUNTS} SET balance = 150, version = "
         f"{bob_version} WHERE id = 1 RETURNING version")
    (new_version,) = bob.execute(write, (150, bob_version, 1)).fetchone()
    result(f"version={new_version}")
    check(new_version == 2, "bob's write moved the version to 2")

    # Alice's write is based on version 1, which is no longer current.
    show("alice", f"UPDATE {ACCOUNTS} SET balance = {balance - 20}, "
         f"version = {version} WHERE id = 1 RETURNING version")
    try:
        alice.execute(write, (balance - 20, version, 1))
    except psycopg.Error as e:
        if e.sqlstate != STALE_WRITE:
            raise
        result(f"{type(e).__name__} {e.sqlstate}: {e.diag.message_primary}")
        for field in ("schema_name", "table_name", "column_name",
                      "message_detail", "message_hint"):
            print(f"  {'':<6}      diag.{field:<14} = {getattr(e.diag, field)!r}")
        check(e.diag.schema_name == "public", "diag.schema_name is 'public'")
        check(e.diag.table_name == ACCOUNTS,
              f"diag.table_name is {ACCOUNTS!r}")
        check(e.diag.column_name == "version",
              "diag.column_name is the version column")
        check(e.diag.message_primary ==
              f'row in "public.{ACCOUNTS}" was modified by another transaction',
              "the message names the table")
        check(e.diag.message_detail ==
              "Key (id)=(1): the update was based on version 1, "
              "but the current version is 2.",
              "the detail gives the key and both versions")
        check(e.diag.message_hint ==
              "Re-read the row and apply the change again.",
              "the hint says what to do")
    else:
        check(False, "alice's stale write was refused")

    # What the hint says: read again, apply the change again.
    show("alice", read.replace("%s", "1") + "   -- re-read")
    balance, version = alice.execute(read, (1,)).fetchone()
    result(f"balance={balance} version={version}")
    show("alice", f"UPDATE {ACCOUNTS} SET balance = {balance - 20}, "
         f"version = {version} WHERE id = 1 RETURNING version")
    (new_version,) = alice.execute(write, (balance - 20, version, 1)).fetchone()
    result(f"version={new_version}")

    balance, version = bob.execute(read, (1,)).fetchone()
    check((balance, version) == (130, 3),
          "the retry applied alice's change on top of bob's: "
          f"balance={balance} version={version}")
    check(type(version) is int, "the version is still a Python int")


def bulk_edit_with_skip(alice, bob):
    print("\n== 2. A list edit of 20 rows with concurrency.on_conflict = skip\n")
    alice.execute(f"CREATE TABLE {ITEMS} (id int PRIMARY KEY, "
                  "price numeric NOT NULL, version rowversion)")
    alice.execute(f"INSERT INTO {ITEMS} (id, price) "
                  "SELECT g, 10 FROM generate_series(1, 20) g")

    # Alice loads the list to edit it: ids and the versions she saw.
    show("alice", f"SELECT id, price, version FROM {ITEMS} ORDER BY id")
    rows = alice.execute(
        f"SELECT id, price, version FROM {ITEMS} ORDER BY id").fetchall()
    result(f"{len(rows)} rows, all at version "
           f"{sorted({v for _, _, v in rows})}")

    # Meanwhile Bob changes three of them.
    changed_by_bob = [4, 11, 17]
    show("bob", f"UPDATE {ITEMS} SET price = 99 WHERE id = ANY("
         f"'{{{','.join(map(str, changed_by_bob))}}}')")
    cur = bob.execute(f"UPDATE {ITEMS} SET price = 99 WHERE id = ANY(%s)",
                      (changed_by_bob,))
    result(f"{cur.rowcount} rows")

    # Alice saves her whole list in one statement, each row stating the
    # version she read.  With on_conflict = skip, a row someone else changed
    # is left alone and reported in a NOTICE; the others are written.
    notices = []

    def on_notice(diag):
        # diag is only valid during this call: copy the fields out.
        print(f"  {'':<6}   NOTICE {diag.sqlstate}: {diag.message_primary}"
              f"\n  {'':<6}          {diag.message_detail}")
        notices.append({"sqlstate": diag.sqlstate,
                        "table_name": diag.table_name,
                        "column_name": diag.column_name,
                        "message_detail": diag.message_detail})

    alice.add_notice_handler(on_notice)
    show("alice", "SET concurrency.on_conflict = skip")
    alice.execute("SET concurrency.on_conflict = skip")
    save = (f"UPDATE {ITEMS} AS i SET price = e.price, version = e.version "
            "FROM unnest(%s::int[], %s::numeric[], %s::bigint[]) "
            "AS e(id, price, version) "
            "WHERE i.id = e.id RETURNING i.id, i.version")
    show("alice", f"UPDATE {ITEMS} AS i SET price = e.price, version = "
         "e.version FROM unnest(<20 ids>, <new prices>, <versions read>) "
         "AS e(id, price, version) WHERE i.id = e.id RETURNING i.id, i.version")
    cur = alice.execute(save, ([r[0] for r in rows],
                               [r[1] * 2 for r in rows],
                               [r[2] for r in rows]))
    written = dict(cur.fetchall())
    result(f"UPDATE {cur.rowcount}")
    alice.execute("RESET concurrency.on_conflict")
    alice.remove_notice_handler(on_notice)

    skipped_by_returning = sorted({r[0] for r in rows} - set(written))
    check(all(n["sqlstate"] == STALE_WRITE for n in notices),
          "every NOTICE carries SQLSTATE 40V01")
    check(all(n["table_name"] == ITEMS and n["column_name"] == "version"
              for n in notices),
          "every NOTICE names the table and the version column")
    keys = [re.match(r"Key \(id\)=\((\d+)\): the update was based on "
                     r"version 1, but the current version is 2\.$",
                     n["message_detail"] or "") for n in notices]
    check(all(keys), "every NOTICE's detail gives the key and both versions")
    skipped_by_notice = [int(m.group(1)) for m in keys]
    print(f"\n  skipped, from the NOTICEs:   {sorted(skipped_by_notice)}")
    print(f"  skipped, from RETURNING:     {skipped_by_returning}")
    check(sorted(skipped_by_notice) == changed_by_bob,
          "the NOTICEs name exactly the rows bob changed")
    check(skipped_by_returning == changed_by_bob,
          "RETURNING lacks exactly the rows bob changed")
    check(cur.rowcount == 17, "the row count is 17 of 20")
    check(all(type(v) is int and v == 2 for v in written.values()),
          "every written row is now at version 2 (an int)")

    final = dict((i, (p, v)) for i, p, v in bob.execute(
        f"SELECT id, price, version FROM {ITEMS}"))
    check(all(final[i] == (99, 2) for i in changed_by_bob),
          "bob's rows keep bob's price (99) and version 2")
    check(all(final[i] == (20, 2) for i in final if i not in changed_by_bob),
          "the other 17 rows have alice's price (20) and version 2")


def main():
    # Two sessions, as two users of an application would have.  autocommit:
    # each statement is its own transaction, as in a web request.
    with psycopg.connect(autocommit=True) as alice, \
            psycopg.connect(autocommit=True) as bob:
        print(f"connected to database {alice.info.dbname!r} on "
              f"{alice.info.host}:{alice.info.port} as {alice.info.user!r}")
        alice.execute(f"DROP TABLE IF EXISTS {ACCOUNTS}, {ITEMS}")
        try:
            stale_write_and_retry(alice, bob)
            bulk_edit_with_skip(alice, bob)
        finally:
            alice.execute(f"DROP TABLE IF EXISTS {ACCOUNTS}, {ITEMS}")
    print("\npsycopg example: all checks passed")


if __name__ == "__main__":
    main()
