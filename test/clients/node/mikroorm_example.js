#!/usr/bin/env node
// MikroORM's version property on a rowversion column (as an EntitySchema,
// so that plain JavaScript needs no decorators).
//
// Connects with the standard libpq environment (PGHOST, PGPORT, PGUSER,
// PGDATABASE) to a database where `CREATE EXTENSION concurrency` has been
// run, and shows:
//
// - the version property typed new BigIntType('number'): int8 arrives as a
//   number, and em.lock(entity, LockMode.OPTIMISTIC, version) compares it
//   correctly (with the default string mapping it reports a mismatch on
//   the current version);
// - inserts with MikroORM's defaults: the version is left to the database,
//   which starts it at 1;
// - MikroORM's own protocol unchanged: it flushes SET version = version + 1
//   WHERE id = ? AND version = old, the database keeps that stated version,
//   and a stale entity matches no row: OptimisticLockError;
// - an edit made outside MikroORM (psql) moves the version, so MikroORM's
//   next flush of what it read before is caught;
// - every flush moves the version exactly once.
//
// Creates its own table and drops it at the end.  Exits non-zero if
// anything turns out differently from what is printed.

'use strict';

const { MikroORM, EntitySchema, BigIntType, LockMode, OptimisticLockError } = require('@mikro-orm/postgresql');

const TABLE = 'mo_documents';

const Document = new EntitySchema({
  name: 'Document',
  tableName: TABLE,
  properties: {
    id: { type: 'number', primary: true, autoincrement: false },
    title: { type: 'string', columnType: 'text' },
    version: { type: new BigIntType('number'), version: true },
  },
});

function show(who, text) {
  console.log(`  ${who.padEnd(8)} ${text}`);
}

class CheckFailed extends Error {}

function check(condition, what) {
  if (!condition) throw new CheckFailed(what);
  console.log(`  ok: ${what}`);
}

async function stored(orm, id) {
  const rows = await orm.em.getConnection().execute(
    `SELECT title, version FROM ${TABLE} WHERE id = ?`, [id]);
  return `${rows[0].title}@${Number(rows[0].version)}`;
}

// flush(); the error, or null
async function flush(em) {
  try {
    await em.flush();
    show('mikroorm', '-> flushed');
    return null;
  } catch (e) {
    show('mikroorm', `-> ${e.name}: ${e.message}`);
    return e;
  }
}

// em.lock(..., LockMode.OPTIMISTIC, version); the error, or null
async function lockError(em, entity, version) {
  try {
    await em.lock(entity, LockMode.OPTIMISTIC, version);
    return null;
  } catch (e) {
    show('mikroorm', `-> ${e.name}: ${e.message}`);
    return e;
  }
}

async function main(orm) {
  const conn = orm.em.getConnection();
  await conn.execute(`DROP TABLE IF EXISTS ${TABLE}`);
  await conn.execute(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, title text NOT NULL, version rowversion)`);

  console.log('\n== 1. Inserts leave the version to the database\n');
  const em = orm.em.fork();
  const doc = em.create(Document, { id: 1, title: 'draft' });
  await em.flush();
  check(doc.version === 1 && await stored(orm, 1) === 'draft@1',
    'a new entity is at version 1 (a number), in MikroORM and in the database');
  check(await lockError(em, doc, 1) === null,
    'em.lock(doc, LockMode.OPTIMISTIC, 1) passes on the current version');
  check(await lockError(em, doc, 7) instanceof OptimisticLockError,
    'and fails on another one');

  console.log('\n== 2. Two entity managers with the same row\n');
  const emA = orm.em.fork();
  const emB = orm.em.fork();
  const a = await emA.findOneOrFail(Document, 1);
  const b = await emB.findOneOrFail(Document, 1);
  a.title = 'first edit';
  check(await flush(emA) === null && a.version === 2, 'a is flushed at version 2');
  check(await stored(orm, 1) === 'first edit@2', 'the database holds version 2: moved once');
  b.title = 'second edit';
  check(await flush(emB) instanceof OptimisticLockError, 'b, still at version 1, gets OptimisticLockError');
  check(await stored(orm, 1) === 'first edit@2', 'nothing of b\'s edit was written');

  console.log('\n== 3. An edit outside MikroORM is caught by its next flush\n');
  show('psql', `UPDATE ${TABLE} SET title = 'fixed in psql' WHERE id = 1`);
  await conn.execute(`UPDATE ${TABLE} SET title = 'fixed in psql' WHERE id = 1`);
  check(await stored(orm, 1) === 'fixed in psql@3',
    'the database moved the version to 3, though the statement did not mention it');
  a.title = 'third edit';
  check(await flush(emA) instanceof OptimisticLockError, 'a, holding version 2, gets OptimisticLockError');
  check(await stored(orm, 1) === 'fixed in psql@3', 'the edit made in psql is kept');
  const emC = orm.em.fork();
  const c = await emC.findOneOrFail(Document, 1);
  c.title = 'third edit';
  check(await flush(emC) === null && await stored(orm, 1) === 'third edit@4',
    'after a re-read the flush goes through, at version 4');
}

(async () => {
  const orm = await MikroORM.init({
    entities: [Document],
    dbName: process.env.PGDATABASE,
    host: process.env.PGHOST,
    port: Number(process.env.PGPORT || 5432),
    user: process.env.PGUSER,
    password: process.env.PGPASSWORD,
    debug: false,
    discovery: { warnWhenNoEntities: false },
  });
  try {
    await main(orm);
    console.log('\nMikroORM example: all checks passed');
  } catch (e) {
    console.log(e instanceof CheckFailed ? `FAIL: ${e.message}` : `FAIL: ${e.stack}`);
    process.exitCode = 1;
  } finally {
    await orm.em.getConnection().execute(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
    await orm.close();
  }
})();
