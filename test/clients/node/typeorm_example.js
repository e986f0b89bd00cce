#!/usr/bin/env node
// TypeORM's @VersionColumn on a rowversion column (as an EntitySchema,
// so that plain JavaScript needs no decorators).
//
// Connects with the standard libpq environment (PGHOST, PGPORT, PGUSER,
// PGDATABASE) to a database where `CREATE EXTENSION concurrency` has been
// run, and shows:
//
// - int8: node-postgres hands it over as a string, and TypeORM's optimistic
//   lock check then reports "version 2 was expected, but is actually 2"
//   (it compares with !==).  The DataSource option parseInt8: true (not
//   `extra`, which pg.Pool ignores) makes it a number, and the check works;
// - save() of an entity sends the version the entity holds: one read
//   before another edit (TypeORM's or psql's) is refused with 40V01
//   (err.code on the QueryFailedError);
// - the trap: save() of an object without its version (a form, a DTO)
//   makes TypeORM read the row itself and send SET version = version + 1,
//   which is never stale, so a change based on an earlier read overwrites
//   what was written since, with or without the extension;
// - the safe way: keep the version read with the object and save it.
//
// Creates its own table and drops it at the end.  Exits non-zero if
// anything turns out differently from what is printed.

'use strict';

const { DataSource, EntitySchema, OptimisticLockVersionMismatchError, QueryFailedError } = require('typeorm');

const TABLE = 'to_documents';
const STALE_WRITE = '40V01';

const Document = new EntitySchema({
  name: 'Document',
  tableName: TABLE,
  columns: {
    id: { type: Number, primary: true },
    title: { type: 'text' },
    version: { type: 'bigint', version: true },
  },
});

function show(who, text) {
  console.log(`  ${who.padEnd(7)} ${text}`);
}

class CheckFailed extends Error {}

function check(condition, what) {
  if (!condition) throw new CheckFailed(what);
  console.log(`  ok: ${what}`);
}

function dataSource(parseInt8) {
  return new DataSource({
    type: 'postgres',
    host: process.env.PGHOST,
    port: Number(process.env.PGPORT || 5432),
    username: process.env.PGUSER,
    password: process.env.PGPASSWORD,
    database: process.env.PGDATABASE,
    entities: [Document],
    parseInt8,
    synchronize: false,
    logging: process.env.TYPEORM_LOG ? ['query'] : false,
  });
}

async function stored(ds, id) {
  const rows = await ds.query(`SELECT title, version FROM ${TABLE} WHERE id = $1`, [id]);
  return `${rows[0].title}@${Number(rows[0].version)}`;
}

async function editInPsql(ds, title) {
  show('psql', `UPDATE ${TABLE} SET title = '${title}' WHERE id = 1`);
  await ds.query(`UPDATE ${TABLE} SET title = $1 WHERE id = 1`, [title]);
}

// repo.save(); the SQLSTATE of the error, or null
async function saveError(repo, entity) {
  try {
    await repo.save(entity);
    show('typeorm', '-> saved');
    return null;
  } catch (e) {
    show('typeorm', `-> ${e.name} ${e.code}: ${e.message}`);
    if (!(e instanceof QueryFailedError)) throw e;
    return e.code;
  }
}

async function optimisticRead(ds, id, version) {
  try {
    await ds.getRepository(Document).findOne({ where: { id }, lock: { mode: 'optimistic', version } });
    return null;
  } catch (e) {
    show('typeorm', `-> ${e.name}: ${e.message}`);
    return e;
  }
}

// Before any DataSource with parseInt8: true exists: the option sets
// node-postgres's int8 parser for the whole process.
async function withoutParseInt8(raw) {
  await raw.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await raw.query(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, title text NOT NULL, version rowversion)`);

  console.log('\n== 1. int8: the optimistic lock check needs parseInt8: true\n');
  await raw.getRepository(Document).save({ id: 1, title: 'draft' });
  check(await stored(raw, 1) === 'draft@1', 'save() of a new entity writes version 1');
  check(await optimisticRead(raw, 1, 1) instanceof OptimisticLockVersionMismatchError,
    'without parseInt8 the version arrives as a string, and the check fails on a current version');
}

async function main(ds) {
  const repo = ds.getRepository(Document);

  check(await optimisticRead(ds, 1, 1) === null, 'with parseInt8: true the same check passes');
  await ds.query(`UPDATE ${TABLE} SET title = 'moved on' WHERE id = 1`);
  check(await optimisticRead(ds, 1, 1) instanceof OptimisticLockVersionMismatchError,
    'and fails once the version has moved on (an edit in psql moved it to 2)');

  console.log('\n== 2. save() of an entity read before another edit: refused\n');
  const a = await repo.findOneBy({ id: 1 });
  show('typeorm', `a read at version ${a.version}`);
  await editInPsql(ds, 'edited elsewhere');
  check(await stored(ds, 1) === 'edited elsewhere@3', 'the other edit moved the version to 3');
  a.title = 'overwrite';
  check(await saveError(repo, a) === STALE_WRITE,
    'repo.save(a) sends the version a holds (2), and is refused with 40V01');
  check(await stored(ds, 1) === 'edited elsewhere@3', 'the other edit is kept');

  console.log('\n== 3. The trap: save() of an object without its version\n');
  // a change computed from an earlier read, saved as a plain object (a
  // form, a DTO): TypeORM reads the row itself and sends
  // SET version = version + 1, which is never stale
  const form = await repo.findOneBy({ id: 1 });
  show('typeorm', `the form was read at version ${form.version}`);
  await editInPsql(ds, 'edited elsewhere again');
  check(await saveError(repo, { id: 1, title: 'from the form' }) === null,
    'repo.save({ id, title }) goes through');
  check(await stored(ds, 1) === 'from the form@5',
    'and the other edit is lost, with or without the extension: keep the version with the object');

  console.log('\n== 4. The safe way: save the version read with the object\n');
  const form2 = await repo.findOneBy({ id: 1 });
  show('typeorm', `the form was read at version ${form2.version}`);
  await editInPsql(ds, 'edited elsewhere once more');
  check(await saveError(repo, { id: 1, title: 'from the form', version: form2.version }) === STALE_WRITE,
    'repo.save({ id, title, version }) is refused with 40V01');
  check(await stored(ds, 1) === 'edited elsewhere once more@6', 'the other edit is kept');
  const form3 = await repo.findOneBy({ id: 1 });
  check(await saveError(repo, { id: 1, title: 'from the form', version: form3.version }) === null &&
    await stored(ds, 1) === 'from the form@7',
    'with the version just read it goes through, at version 7');
}

(async () => {
  const raw = dataSource(false);
  const ds = dataSource(true);
  try {
    await raw.initialize();
    await withoutParseInt8(raw);
    await raw.destroy();
    await ds.initialize();
    await main(ds);
    console.log('\nTypeORM example: all checks passed');
  } catch (e) {
    console.log(e instanceof CheckFailed ? `FAIL: ${e.message}` : `FAIL: ${e.stack}`);
    process.exitCode = 1;
  } finally {
    for (const source of [ds, raw]) {
      if (source.isInitialized) {
        await source.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
        await source.destroy();
      }
    }
  }
})();
