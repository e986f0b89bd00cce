#!/usr/bin/env node
// Sequelize's optimistic locking (version: true) on a rowversion column.
//
// Connects with the standard libpq environment (PGHOST, PGPORT, PGUSER,
// PGDATABASE) to a database where `CREATE EXTENSION concurrency` has been
// run, and shows:
//
// - inserts with Sequelize's defaults: create() and upsert() write
//   version 0, which is a version;
// - Sequelize's own protocol unchanged: it saves with
//   SET version = old + 1 WHERE id = ? AND version = old, the database
//   keeps that stated version, and a save of a stale instance matches no
//   row: SequelizeOptimisticLockError;
// - an edit made outside Sequelize (psql) moves the version, so Sequelize's
//   next save of what it read before is caught;
// - every save moves the version exactly once.
//
// node-postgres hands int8 over as a string; Sequelize's own version
// arithmetic copes (it counts with numbers), and this example compares
// versions as numbers.
//
// Creates its own table and drops it at the end.  Exits non-zero if
// anything turns out differently from what is printed.

'use strict';

const { Sequelize, DataTypes, OptimisticLockError } = require('sequelize');

const TABLE = 'sq_documents';

function show(who, text) {
  console.log(`  ${who.padEnd(9)} ${text}`);
}

class CheckFailed extends Error {}

function check(condition, what) {
  if (!condition) throw new CheckFailed(what);
  console.log(`  ok: ${what}`);
}

const sequelize = new Sequelize({
  dialect: 'postgres',
  host: process.env.PGHOST,
  port: process.env.PGPORT,
  username: process.env.PGUSER,
  password: process.env.PGPASSWORD,
  database: process.env.PGDATABASE,
  logging: (sql) => show('sequelize', sql.replace(/^Executing \(default\): /, '')),
});

const Document = sequelize.define('Document', {
  title: { type: DataTypes.TEXT, allowNull: false },
}, { tableName: TABLE, timestamps: false, version: true });

async function stored(id) {
  const [rows] = await sequelize.query(`SELECT title, version FROM ${TABLE} WHERE id = $1`,
    { bind: [id], logging: false });
  return `${rows[0].title}@${Number(rows[0].version)}`;
}

// Change the title and save(); return the error, or null.
async function save(doc, title) {
  doc.title = title;
  try {
    await doc.save();
    show('', `-> saved at version ${Number(doc.version)}`);
    return null;
  } catch (e) {
    show('', `-> ${e.name}: ${e.message}`);
    return e;
  }
}

async function main() {
  await sequelize.query(`DROP TABLE IF EXISTS ${TABLE}`, { logging: false });
  await sequelize.query(`CREATE TABLE ${TABLE} (id serial PRIMARY KEY, title text NOT NULL, ` +
    'version rowversion)', { logging: false });

  console.log('\n== 1. Inserts with Sequelize\'s defaults: version 0\n');
  const doc = await Document.create({ title: 'draft' });
  check(Number(doc.version) === 0 && await stored(doc.id) === 'draft@0',
    'create() writes version 0, and the database keeps it');
  await Document.upsert({ id: 100, title: 'upserted' });
  check(await stored(100) === 'upserted@0', 'upsert() of a new row writes version 0 too');

  console.log('\n== 2. Two instances of the same row\n');
  const a = await Document.findByPk(doc.id);
  const b = await Document.findByPk(doc.id);
  check(await save(a, 'first edit') === null && Number(a.version) === 1,
    'a is saved at version 1');
  check(await stored(doc.id) === 'first edit@1', 'the database holds version 1: moved once');
  const stale = await save(b, 'second edit');
  check(stale instanceof OptimisticLockError, 'b, still at version 0, gets SequelizeOptimisticLockError');
  check(await stored(doc.id) === 'first edit@1', 'nothing of b\'s edit was written');

  console.log('\n== 3. An edit outside Sequelize is caught by its next save\n');
  show('psql', `UPDATE ${TABLE} SET title = 'fixed in psql' WHERE id = ${doc.id}`);
  await sequelize.query(`UPDATE ${TABLE} SET title = 'fixed in psql' WHERE id = $1`,
    { bind: [doc.id], logging: false });
  check(await stored(doc.id) === 'fixed in psql@2',
    'the database moved the version to 2, though the statement did not mention it');
  check(await save(a, 'third edit') instanceof OptimisticLockError,
    'a, holding version 1, gets SequelizeOptimisticLockError');
  check(await stored(doc.id) === 'fixed in psql@2', 'the edit made in psql is kept');
  await a.reload();
  check(await save(a, 'third edit') === null && await stored(doc.id) === 'third edit@3',
    'after a reload the save goes through, at version 3');
}

main()
  .then(() => { console.log('\nSequelize example: all checks passed'); })
  .catch((e) => {
    console.log(e instanceof CheckFailed ? `FAIL: ${e.message}` : `FAIL: ${e.stack}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await sequelize.query(`DROP TABLE IF EXISTS ${TABLE}`, { logging: false }).catch(() => {});
    await sequelize.close();
  });
