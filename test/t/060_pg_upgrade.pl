# pg_upgrade of a cluster that uses the extension.
#
# pg_upgrade restores the schema before the extension's event triggers
# exist, and the row triggers are internal (pg_dump never emits them), so
# the upgraded tables come without their triggers.  This test pins that
# behaviour and proves the remedy the README gives: the query that runs
# a no-op ALTER TABLE on every versioned table attaches the triggers again,
# with rows, versions and options intact.  Until then concurrency.tables
# shows those tables as not enforced and concurrency.verify() names them.

use strict;
use warnings;

use Cwd;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use ConcurrencyTestCompat;
use Test::More;

my $old = PostgreSQL::Test::Cluster->new('old');
$old->init;
$old->start;
$old->safe_psql(
	'postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
CREATE TABLE accounts (id int PRIMARY KEY, balance int, version rowversion);
INSERT INTO accounts VALUES (1, 100, 7), (2, 200, 1);
SELECT concurrency.enable('accounts', strict => true);
CREATE TABLE orders (id int, region text, status text, version rowversion,
					 PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');
SELECT concurrency.enable('orders', check_columns => '{status}');
INSERT INTO orders VALUES (1, 'eu', 'new', 3);
});
my $tables_before =
  $old->safe_psql('postgres', 'SELECT * FROM concurrency.tables ORDER BY 1, 2');
my $old_options = $old->safe_psql('postgres',
	q{SELECT schema_name, table_name, version_column, check_columns,
	   ignore_columns, strict FROM concurrency.tables ORDER BY 1, 2});
my $rows_before = $old->safe_psql('postgres',
	'SELECT * FROM accounts ORDER BY id; SELECT * FROM orders ORDER BY id');
$old->stop;

my $new = PostgreSQL::Test::Cluster->new('new');
$new->init;

# pg_upgrade writes its files into the current directory
my $cwd = getcwd();
chdir $PostgreSQL::Test::Utils::tmp_check;
command_ok(
	[
		'pg_upgrade', (pg_major($new) >= 15 ? ('--no-sync') : ()),
		'-d', $old->data_dir,
		'-D', $new->data_dir,
		'-b', pg_config_of($old, '--bindir'),
		'-B', pg_config_of($new, '--bindir'),
		'-s', $new->host,
		'-p', $old->port,
		'-P', $new->port
	],
	'pg_upgrade of a cluster with versioned tables');
chdir $cwd;

$new->start;
my $options_sql = q{SELECT schema_name, table_name, version_column, check_columns,
	   ignore_columns, strict FROM concurrency.tables ORDER BY 1, 2};
is($new->safe_psql('postgres', $options_sql),
	$old_options, 'options survive pg_upgrade');
is( $new->safe_psql(
		'postgres', q{SELECT table_name, active FROM concurrency.tables ORDER BY 1}),
	"accounts|f\norders|t\norders_eu|f",
	'concurrency.tables shows the tables that store rows as not enforced');
is( $new->safe_psql('postgres', 'SELECT * FROM concurrency.verify()'),
	q{public|accounts|rowversion column "version" has no row-versioning trigger: its writes are neither checked nor versioned
public|orders_eu|rowversion column "version" has no row-versioning trigger: its writes are neither checked nor versioned},
	'concurrency.verify() names them');
is( $new->safe_psql(
		'postgres',
		'SELECT * FROM accounts ORDER BY id; SELECT * FROM orders ORDER BY id'),
	$rows_before,
	'rows and versions survive pg_upgrade');
is( $new->safe_psql(
		'postgres', q{SELECT count(*) FROM pg_trigger
		 WHERE tgname LIKE '!concurrency_version_%'}),
	'0',
	'pg_upgrade does not carry the internal row triggers over');

# the remedy the README gives
$new->safe_psql(
	'postgres', q{
SELECT format('ALTER TABLE %I.%I OWNER TO %I', t.schema_name, t.table_name,
			  pg_get_userbyid(c.relowner))
  FROM concurrency.tables t
  JOIN pg_class c ON c.oid = format('%I.%I', t.schema_name, t.table_name)::regclass
\gexec
});
is( $new->safe_psql(
		'postgres', q{SELECT string_agg(tgrelid::regclass::text, ',' ORDER BY 1)
		  FROM pg_trigger WHERE tgname LIKE '!concurrency_version_%' AND tgisinternal}),
	'accounts,orders_eu',
	'the README query attaches one trigger per table that stores rows');
is($new->safe_psql('postgres', 'SELECT * FROM concurrency.tables ORDER BY 1, 2'),
	$tables_before, 'and leaves the options as they were');
is($new->safe_psql('postgres', 'SELECT count(*) FROM concurrency.verify()'),
	'0', 'concurrency.verify() finds nothing left to mend');

my ($ret, $stdout, $stderr) = $new->psql('postgres',
	'UPDATE accounts SET balance = 0, version = 6 WHERE id = 1');
like(
	$stderr,
	qr/ERROR:  row in "public\.accounts" was modified by another transaction\nDETAIL:  Key \(id\)=\(1\): the update was based on version 6, but the current version is 7\./,
	'a stale write is rejected after the upgrade');
($ret, $stdout, $stderr) =
  $new->psql('postgres', 'UPDATE accounts SET balance = 0 WHERE id = 1');
like(
	$stderr,
	qr/ERROR:  update of "public\.accounts" does not state a row version/,
	'the table is strict again');
is( $new->safe_psql(
		'postgres',
		q{UPDATE orders SET status = 'paid', version = 3 WHERE id = 1 RETURNING version}),
	'4',
	'an echo on a partition with check_columns moves the version');

$new->stop;
done_testing();
