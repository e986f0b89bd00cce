/*
 * libpq_example.c
 *		Optimistic locking with the concurrency extension, from libpq.
 *
 * Connects with the standard libpq environment (PGHOST, PGPORT, PGUSER,
 * PGDATABASE, PGPASSWORD) to a database where CREATE EXTENSION concurrency
 * has been run.  Two sessions read the same row; the second write, based on
 * a version that is no longer current, fails with SQLSTATE 40V01, and the
 * error's fields (PQresultErrorField) name the schema, table and version
 * column; the writer re-reads the row and retries successfully.
 *
 * Creates its own table and drops it at the end.  Exits non-zero if
 * anything turns out differently from what is printed.
 *
 *		make && ./libpq_example
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

/* The extension's "stale write" error. */
#define STALE_WRITE "40V01"
#define TABLE "c_accounts"
/* pg_type.oid of bigint (INT8OID in the server's headers). */
#define INT8_OID 20

static PGconn *alice;
static PGconn *bob;
static int	failed = 0;

static void
show(const char *who, const char *fmt,...)
{
	va_list		ap;

	printf("  %-6s ", who);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Print what was checked; remember a failure (the table is still dropped). */
static int
check(int condition, const char *what)
{
	if (!condition)
	{
		printf("FAIL: %s\n", what);
		failed = 1;
		return 0;
	}
	printf("  ok: %s\n", what);
	return 1;
}

/* Compare a possibly absent error field with what it must be. */
static int
field_is(const PGresult *res, int fieldcode, const char *expected)
{
	const char *value = PQresultErrorField(res, fieldcode);

	return value != NULL && strcmp(value, expected) == 0;
}

/* Run a statement that must succeed; give up on the whole run if it fails. */
static PGresult *
run(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params,
								   NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(res);

	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
	{
		printf("FAIL: %s\n      %s", sql, PQerrorMessage(conn));
		PQclear(res);
		PQclear(PQexec(alice, "DROP TABLE IF EXISTS " TABLE));
		PQfinish(alice);
		PQfinish(bob);
		exit(1);
	}
	return res;
}

/*
 * Read balance and version of row 1 into the given buffers; return the type
 * the server reported for the version column.
 */
static Oid
read_row(PGconn *conn, const char *who, char *balance, char *version)
{
	PGresult   *res;
	Oid			version_type;

	show(who, "SELECT balance, version FROM " TABLE " WHERE id = 1");
	res = run(conn, "SELECT balance, version FROM " TABLE " WHERE id = 1", 0, NULL);
	snprintf(balance, 32, "%s", PQgetvalue(res, 0, 0));
	snprintf(version, 32, "%s", PQgetvalue(res, 0, 1));
	show("", "  -> balance=%s version=%s", balance, version);
	version_type = PQftype(res, 1);
	PQclear(res);
	return version_type;
}

static PGconn *
connect_or_die(void)
{
	/* An empty conninfo: everything comes from the PG* environment. */
	PGconn	   *conn = PQconnectdb("");

	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "FAIL: connection: %s", PQerrorMessage(conn));
		exit(1);
	}
	return conn;
}

int
main(void)
{
	const char *update_sql =
		"UPDATE " TABLE " SET balance = $1, version = $2 WHERE id = 1 RETURNING version";
	char		balance[32];
	char		version[32];
	char		bob_balance[32];
	char		bob_version[32];
	char		new_balance[32];
	const char *params[2];
	PGresult   *res;

	alice = connect_or_die();
	bob = connect_or_die();
	printf("connected to database '%s' on %s:%s as '%s'\n",
		   PQdb(alice), PQhost(alice), PQport(alice), PQuser(alice));
	PQclear(run(alice, "SET client_min_messages = warning", 0, NULL));
	PQclear(run(alice, "DROP TABLE IF EXISTS " TABLE, 0, NULL));

	printf("\n== A stale write is refused; re-read and retry\n\n");
	PQclear(run(alice, "CREATE TABLE " TABLE " (id int PRIMARY KEY, "
				"balance int NOT NULL, version rowversion)", 0, NULL));
	PQclear(run(alice, "INSERT INTO " TABLE " (id, balance) VALUES (1, 100)", 0, NULL));

	/*
	 * Both read the same row.  rowversion is a domain over bigint, and the
	 * server reports a domain's base type: the column arrives as int8.
	 */
	check(read_row(alice, "alice", balance, version) == INT8_OID,
		  "the version column arrives as bigint (type OID 20)");
	check(strcmp(version, "1") == 0, "a new row starts at version 1");
	read_row(bob, "bob", bob_balance, bob_version);

	/* Each writes back the version it read.  Bob is first and wins. */
	params[0] = "150";
	params[1] = bob_version;
	show("bob", "UPDATE " TABLE " SET balance = 150, version = %s WHERE id = 1 RETURNING version",
		 bob_version);
	res = run(bob, update_sql, 2, params);
	show("", "  -> version=%s", PQgetvalue(res, 0, 0));
	check(strcmp(PQgetvalue(res, 0, 0), "2") == 0, "bob's write moved the version to 2");
	PQclear(res);

	/* Alice's write is based on version 1, which is no longer current. */
	snprintf(new_balance, sizeof(new_balance), "%d", atoi(balance) - 20);
	params[0] = new_balance;
	params[1] = version;
	show("alice", "UPDATE " TABLE " SET balance = %s, version = %s WHERE id = 1 RETURNING version",
		 new_balance, version);
	res = PQexecParams(alice, update_sql, 2, NULL, params, NULL, NULL, 0);
	show("", "  -> %s %s: %s", PQresStatus(PQresultStatus(res)),
		 PQresultErrorField(res, PG_DIAG_SQLSTATE) ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : "",
		 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "");
	if (check(PQresultStatus(res) == PGRES_FATAL_ERROR, "alice's stale write was refused"))
	{
		static const struct
		{
			int			code;
			const char *name;
		}			fields[] = {
			{PG_DIAG_SQLSTATE, "PG_DIAG_SQLSTATE"},
			{PG_DIAG_SCHEMA_NAME, "PG_DIAG_SCHEMA_NAME"},
			{PG_DIAG_TABLE_NAME, "PG_DIAG_TABLE_NAME"},
			{PG_DIAG_COLUMN_NAME, "PG_DIAG_COLUMN_NAME"},
			{PG_DIAG_MESSAGE_DETAIL, "PG_DIAG_MESSAGE_DETAIL"},
			{PG_DIAG_MESSAGE_HINT, "PG_DIAG_MESSAGE_HINT"},
		};
		size_t		i;

		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		{
			const char *value = PQresultErrorField(res, fields[i].code);

			printf("  %-6s      %-22s = %s\n", "", fields[i].name,
				   value ? value : "(null)");
		}
		check(field_is(res, PG_DIAG_SQLSTATE, STALE_WRITE), "PG_DIAG_SQLSTATE is 40V01");
		check(field_is(res, PG_DIAG_SCHEMA_NAME, "public"), "PG_DIAG_SCHEMA_NAME is public");
		check(field_is(res, PG_DIAG_TABLE_NAME, TABLE), "PG_DIAG_TABLE_NAME is " TABLE);
		check(field_is(res, PG_DIAG_COLUMN_NAME, "version"),
			  "PG_DIAG_COLUMN_NAME is the version column");
		check(field_is(res, PG_DIAG_MESSAGE_PRIMARY,
					   "row in \"public." TABLE "\" was modified by another transaction"),
			  "the message names the table");
		check(field_is(res, PG_DIAG_MESSAGE_DETAIL,
					   "Key (id)=(1): the update was based on version 1, but the current version is 2."),
			  "PG_DIAG_MESSAGE_DETAIL gives the key and both versions");
		check(field_is(res, PG_DIAG_MESSAGE_HINT, "Re-read the row and apply the change again."),
			  "PG_DIAG_MESSAGE_HINT says what to do");
	}
	PQclear(res);

	/* What the hint says: read again, apply the change again. */
	read_row(alice, "alice", balance, version);
	snprintf(new_balance, sizeof(new_balance), "%d", atoi(balance) - 20);
	params[0] = new_balance;
	params[1] = version;
	show("alice", "UPDATE " TABLE " SET balance = %s, version = %s WHERE id = 1 RETURNING version",
		 new_balance, version);
	res = run(alice, update_sql, 2, params);
	show("", "  -> version=%s", PQgetvalue(res, 0, 0));
	PQclear(res);

	read_row(bob, "bob", balance, version);
	check(strcmp(balance, "130") == 0 && strcmp(version, "3") == 0,
		  "the retry applied alice's change on top of bob's: balance 130, version 3");

	PQclear(run(alice, "DROP TABLE " TABLE, 0, NULL));
	PQfinish(alice);
	PQfinish(bob);
	if (failed)
		return 1;
	printf("\nlibpq example: all checks passed\n");
	return 0;
}
