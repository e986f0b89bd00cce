#!/usr/bin/env node
// Optimistic locking with the concurrency extension, from node-postgres (pg).
//
// Connects with the standard libpq environment (PGHOST, PGPORT, PGUSER,
// PGDATABASE, PGPASSWORD) to a database where `CREATE EXTENSION concurrency`
// has been run.  Two clients read the same row; the second write, based on
// a version that is no longer current, is refused with SQLSTATE 40V01; the
// writer re-reads the row and retries successfully.
//
// Creates its own table and drops it at the end.  Exits non-zero if
// anything turns out differently from what is printed.
//
//   npm ci && node pg_example.js

'use strict';

const pg = require('pg');

// node-postgres hands int8 (bigint, OID 20) over as a string by default: a
// JavaScript number holds integers exactly only up to 2^53 - 1, a bigint
// goes up to 2^63 - 1, and the driver will not round silently.  A row
// version is an ordinary bigint on the wire (rowversion is a domain over
// bigint), so it would arrive as '1', and `version === 1` would be false.
//
// We parse int8 as a Number: a version counts the updates of one row and
// does not get near 2^53 (9e15) in practice, and a Number compares with ===,
// does arithmetic with other numbers and goes through JSON.stringify, where
// a BigInt does none of these.  But a writer may supply any version of 0 or more
// on INSERT (imports, restores), so a value past 2^53 - 1 is refused rather
// than rounded: a rounded version would make a later write look stale, or
// worse, current.  Note that the parser is global: it applies to every
// bigint the process reads (count(*) included).
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`bigint ${text} does not fit in a JavaScript number`);
  }
  return n;
});

// The extension's "stale write" error.
const STALE_WRITE = '40V01';
const TABLE = 'node_accounts';

function show(who, text) {
  console.log(`  ${who.padEnd(6)} ${text}`);
}

function result(text) {
  console.log(`  ${''.padEnd(6)}   -> ${text}`);
}

// Print what was checked; throw (exit status 1, tables dropped) if it is not so.
class CheckFailed extends Error {}
function check(condition, what) {
  if (!condition) throw new CheckFailed(what);
  console.log(`  ok: ${what}`);
}

async function main() {
  // Two sessions, as two users of an application would have.
  const alice = new pg.Client();
  const bob = new pg.Client();
  await alice.connect();
  await bob.connect();
  console.log(`connected to database '${alice.database}' on ${alice.host}:${alice.port} as '${alice.user}'`);
  await alice.query(`DROP TABLE IF EXISTS ${TABLE}`);

  try {
    console.log('\n== A stale write is refused; re-read and retry\n');
    await alice.query(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, balance int NOT NULL, version rowversion)`);
    await alice.query(`INSERT INTO ${TABLE} (id, balance) VALUES (1, 100)`);

    // Both read the same row.
    const read = `SELECT balance, version FROM ${TABLE} WHERE id = $1`;
    show('alice', read.replace('$1', '1'));
    let { balance, version } = (await alice.query(read, [1])).rows[0];
    result(`balance=${balance} version=${version}`);
    check(typeof version === 'number', `the version arrives as a JavaScript number (typeof: ${typeof version})`);
    check(version === 1, 'a new row starts at version 1');

    show('bob', read.replace('$1', '1'));
    const bobRow = (await bob.query(read, [1])).rows[0];
    result(`balance=${bobRow.balance} version=${bobRow.version}`);

    // Each writes back the version it read.  Bob is first and wins.
    const write = `UPDATE ${TABLE} SET balance = $1, version = $2 WHERE id = $3 RETURNING version`;
    show('bob', `UPDATE ${TABLE} SET balance = 150, version = ${bobRow.version} WHERE id = 1 RETURNING version`);
    let res = await bob.query(write, [150, bobRow.version, 1]);
    result(`version=${res.rows[0].version}`);
    check(res.rows[0].version === 2, "bob's write moved the version to 2");

    // Alice's write is based on version 1, which is no longer current.
    show('alice', `UPDATE ${TABLE} SET balance = ${balance - 20}, version = ${version} WHERE id = 1 RETURNING version`);
    let refused = null;
    try {
      await alice.query(write, [balance - 20, version, 1]);
    } catch (err) {
      if (err.code !== STALE_WRITE) throw err;
      refused = err;
    }
    result(refused ? `error ${refused.code}: ${refused.message}` : 'no error');
    check(refused !== null, "alice's stale write was refused");
    for (const field of ['schema', 'table', 'column', 'detail', 'hint']) {
      console.log(`  ${''.padEnd(6)}      err.${field.padEnd(7)} = ${JSON.stringify(refused[field])}`);
    }
    check(refused.code === '40V01', "err.code is '40V01'");
    check(refused.schema === 'public', "err.schema is 'public'");
    check(refused.table === TABLE, `err.table is '${TABLE}'`);
    check(refused.column === 'version', 'err.column is the version column');
    check(refused.message === `row in "public.${TABLE}" was modified by another transaction`,
      'the message names the table');
    check(refused.detail === 'Key (id)=(1): the update was based on version 1, but the current version is 2.',
      'err.detail gives the key and both versions');
    check(refused.hint === 'Re-read the row and apply the change again.', 'err.hint says what to do');

    // What the hint says: read again, apply the change again.
    show('alice', read.replace('$1', '1') + '   -- re-read');
    ({ balance, version } = (await alice.query(read, [1])).rows[0]);
    result(`balance=${balance} version=${version}`);
    show('alice', `UPDATE ${TABLE} SET balance = ${balance - 20}, version = ${version} WHERE id = 1 RETURNING version`);
    res = await alice.query(write, [balance - 20, version, 1]);
    result(`version=${res.rows[0].version}`);

    const final = (await bob.query(read, [1])).rows[0];
    check(final.balance === 130 && final.version === 3,
      `the retry applied alice's change on top of bob's: balance=${final.balance} version=${final.version}`);
    check(typeof final.version === 'number', 'the version is still a number');
  } finally {
    await alice.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await alice.end();
    await bob.end();
  }
  console.log('\nnode-postgres example: all checks passed');
}

main().catch((err) => {
  console.log(`FAIL: ${err instanceof CheckFailed ? err.message : err.stack || err}`);
  process.exit(1);
});
