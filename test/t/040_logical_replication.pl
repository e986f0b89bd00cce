# Logical replication between two clusters that both use the extension.
#
# SPEC.md sections 5 and 7: logical-replication apply does not fire the
# check, so replicated versions arrive as they were.  The apply worker runs
# with session_replication_role = replica, and the version trigger is an
# ordinary (origin-enabled) trigger, so it does not fire there: a publisher
# UPDATE that moved a version from 3 to 4 arrives as 4 (not 5), a row
# inserted with version 10 arrives as 10, the initial table copy keeps
# every version, rows moved between partitions keep theirs.  Those would
# arrive the same if the trigger fired (it keeps a stated version above the
# stored one), so the writes that tell are there too: an UPDATE that kept
# its version on the publisher (concurrency.increment = off) arrives
# unchanged, not bumped; from a table whose versioning is off on the
# publisher (concurrency.disable()), a version set back, a version echoed
# and a NULL version arrive as they are.  The apply worker
# is never refused, not even when the subscriber's row is ahead of the
# publisher's (a check would call that write stale): no apply error, and the
# subscription keeps working.
#
# Local writes on the subscriber, whose tables are versioned too, are
# enforced as anywhere else: stale refused (40V01), strict without a
# version refused (23V01), fresh ones move the version.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use ConcurrencyTestCompat;
use Test::More;

my $publisher = PostgreSQL::Test::Cluster->new('publisher');
$publisher->init(allows_streaming => 'logical');
$publisher->append_conf('postgresql.conf', 'log_statement = none');
$publisher->start;

# The subscriber logs each message's backend type and SQLSTATE.
my $subscriber = PostgreSQL::Test::Cluster->new('subscriber');
$subscriber->init;
$subscriber->append_conf(
	'postgresql.conf', q{
log_statement = none
log_line_prefix = '%m [%p] [%b] [%e] %q%a '
});
$subscriber->start;

# The same versioned tables on both sides.
my $schema = q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
CREATE TABLE items (id int PRIMARY KEY, val text, version rowversion);
CREATE TABLE strict_items (id int PRIMARY KEY, val text, version rowversion);
SELECT FROM concurrency.enable('strict_items', strict => true);
CREATE TABLE checked (id int PRIMARY KEY, a text, b text, version rowversion);
SELECT FROM concurrency.enable('checked', check_columns => '{a}');
CREATE TABLE parted (id int, region text, val text, version rowversion,
					 PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu');
CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us');
CREATE TABLE legacy (id int PRIMARY KEY, val text, version rowversion);
};
$publisher->safe_psql('postgres', $schema);
$subscriber->safe_psql('postgres', $schema);

# On the publisher only, versioning of legacy is off: its writers set any
# version they like, which the subscriber's (active) trigger would refuse
# or change if it fired during apply.
$publisher->safe_psql('postgres', q{SELECT FROM concurrency.disable('legacy')});

my $tables_sql = 'SELECT * FROM concurrency.tables ORDER BY 1, 2';
is( $subscriber->safe_psql('postgres', $tables_sql),
	q{public|checked|version|{a}||f|t
public|items|version|||f|t
public|legacy|version|||f|t
public|parted|version|||f|t
public|parted_eu|version|||f|t
public|parted_us|version|||f|t
public|strict_items|version|||t|t},
	'subscriber: its tables are versioned');
is( $publisher->safe_psql('postgres', $tables_sql),
	$subscriber->safe_psql('postgres', $tables_sql) =~
	  s/^public\|legacy\|version\|\|\|f\|t$/public|legacy|version|||f|f/mr,
	'subscriber: versioned as on the publisher, legacy active there only');
is( $subscriber->safe_psql(
		'postgres', q{
SELECT string_agg(tgrelid::regclass || ':' || tgenabled::text, ' ' ORDER BY tgrelid::regclass::text)
  FROM pg_trigger WHERE tgfoid = 'concurrency.version_trigger'::regproc}),
	'checked:O items:O legacy:O parted_eu:O parted_us:O strict_items:O',
	'subscriber: the version triggers are enabled for origin sessions only');

# Rows, with their versions, as text; the same query on both sides.
my $rows_sql = q{
SELECT 'items', i::text FROM items i
UNION ALL SELECT 'strict_items', s::text FROM strict_items s
UNION ALL SELECT 'checked', c::text FROM checked c
UNION ALL SELECT 'parted', tableoid::regclass || ' ' || p::text FROM parted p
UNION ALL SELECT 'legacy', l::text FROM legacy l
ORDER BY 1, 2};

sub rows_as_published
{
	my ($expected, $label) = @_;

	is($publisher->safe_psql('postgres', $rows_sql),
		$expected, "$label: the publisher's rows");
	is($subscriber->safe_psql('postgres', $rows_sql),
		$expected, "$label: the subscriber's rows, versions unchanged");
}

# Run SQL without stopping at errors; returns (stdout, stderr) with psql's
# "psql:<stdin>:N: " prefixes taken off stderr.
sub run_sql
{
	my ($node, $sql) = @_;
	my ($rc, $out, $err) = $node->psql('postgres', $sql, on_error_stop => 0);

	$err =~ s/^psql:<stdin>:\d+: //mg;
	return ($out, $err);
}

# --- initial copy ------------------------------------------------------------

$publisher->safe_psql(
	'postgres', q{
INSERT INTO items VALUES (1, 'a', DEFAULT), (2, 'b', 3), (3, 'c', 10);
UPDATE items SET val = 'a2' WHERE id = 1;
INSERT INTO strict_items VALUES (1, 's', 7);
INSERT INTO checked (id, a, b) VALUES (1, 'x', 'y');
INSERT INTO parted VALUES (1, 'eu', 'p', 5), (2, 'us', 'q', DEFAULT);
INSERT INTO legacy VALUES (1, 'x', 5), (2, 'y', 6);
CREATE PUBLICATION pub FOR TABLE items, strict_items, checked, parted, legacy
	WITH (publish_via_partition_root = true);
});

my $log_offset = -s $subscriber->logfile;
my $publisher_connstr = $publisher->connstr . ' dbname=postgres';
$subscriber->safe_psql('postgres',
	"CREATE SUBSCRIPTION sub CONNECTION '$publisher_connstr' PUBLICATION pub"
);
$subscriber->wait_for_subscription_sync($publisher, 'sub');

rows_as_published(
	q{checked|(1,x,y,1)
items|(1,a2,2)
items|(2,b,3)
items|(3,c,10)
legacy|(1,x,5)
legacy|(2,y,6)
parted|parted_eu (1,eu,p,5)
parted|parted_us (2,us,q,1)
strict_items|(1,s,7)},
	'initial copy');

# --- replicated changes --------------------------------------------------------

$publisher->safe_psql(
	'postgres', q{
UPDATE items SET val = 'b2' WHERE id = 2;
UPDATE items SET val = 'c2', version = 10 WHERE id = 3;
UPDATE items SET val = 'a3', version = 20 WHERE id = 1;
INSERT INTO items VALUES (4, 'd', 10);
INSERT INTO items (id, val) VALUES (5, 'e');
INSERT INTO items (id, val) VALUES (6, 'f');
DELETE FROM items WHERE id = 5;
UPDATE strict_items SET val = 's2', version = 7 WHERE id = 1;
UPDATE checked SET b = 'y2' WHERE id = 1;
UPDATE checked SET a = 'x2' WHERE id = 1;
UPDATE parted SET region = 'us', val = 'moved', version = 5 WHERE id = 1;
UPDATE parted SET val = 'q2' WHERE id = 2;
});
$publisher->wait_for_catchup('sub');

rows_as_published(
	q{checked|(1,x2,y2,2)
items|(1,a3,20)
items|(2,b2,4)
items|(3,c2,11)
items|(4,d,10)
items|(6,f,1)
legacy|(1,x,5)
legacy|(2,y,6)
parted|parted_us (1,us,moved,6)
parted|parted_us (2,us,q2,2)
strict_items|(1,s2,8)},
	'replicated changes');

# --- replicated writes the trigger would change or refuse --------------------
#
# The updates above arrive as written whether or not the subscriber's
# trigger fires: each states a version above the stored one, which the
# trigger keeps.  These do not: an UPDATE that kept its version
# (concurrency.increment = off on the publisher) or echoed it (legacy 2)
# would be bumped, a version set back would be refused as stale, a NULL
# version would become 1.

$publisher->safe_psql(
	'postgres', q{
SET concurrency.increment = off;
UPDATE items SET val = 'c3' WHERE id = 3;
UPDATE strict_items SET val = 's3', version = 8 WHERE id = 1;
RESET concurrency.increment;
UPDATE legacy SET val = 'back', version = 2 WHERE id = 1;
UPDATE legacy SET val = 'same', version = 6 WHERE id = 2;
-- a row written past every trigger, as a restore with triggers off would
SET session_replication_role = replica;
INSERT INTO legacy VALUES (3, 'null', NULL);
RESET session_replication_role;
});
$publisher->wait_for_catchup('sub');

rows_as_published(
	q{checked|(1,x2,y2,2)
items|(1,a3,20)
items|(2,b2,4)
items|(3,c3,11)
items|(4,d,10)
items|(6,f,1)
legacy|(1,back,2)
legacy|(2,same,6)
legacy|(3,null,)
parted|parted_us (1,us,moved,6)
parted|parted_us (2,us,q2,2)
strict_items|(1,s3,8)},
	'replicated writes the trigger would change');

# --- local writes on the subscriber ----------------------------------------------

my ($out, $err) = run_sql(
	$subscriber, q{
UPDATE items SET val = 'local', version = 3 WHERE id = 2;
UPDATE items SET val = 'local', version = 4 WHERE id = 2 RETURNING version;
UPDATE items SET val = 'local 2' WHERE id = 2 RETURNING version;
UPDATE strict_items SET val = 'local' WHERE id = 1;
UPDATE strict_items SET val = 'local', version = 8 WHERE id = 1 RETURNING version;
UPDATE checked SET b = 'local' WHERE id = 1 RETURNING version;
UPDATE parted SET val = 'local', version = 1 WHERE id = 2;
INSERT INTO items (id, val) VALUES (100, 'local only') RETURNING version;
});
is($out, "5\n6\n9\n2\n1",
	'subscriber: fresh local writes move the version, inserts start at 1');
is( $err,
	q{ERROR:  row in "public.items" was modified by another transaction
DETAIL:  Key (id)=(2): the update was based on version 3, but the current version is 4.
HINT:  Re-read the row and apply the change again.
ERROR:  update of "public.strict_items" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
ERROR:  row in "public.parted_us" was modified by another transaction
DETAIL:  Key (id, region)=(2, us): the update was based on version 1, but the current version is 2.
HINT:  Re-read the row and apply the change again.},
	'subscriber: stale and unstated local writes are refused');

# --- the publisher writes again: the subscriber's rows are now ahead -------------
#
# items 2 is at version 6 on the subscriber; the publisher moves it from 4
# to 5.  A check would call the replicated write stale; the apply worker
# writes it as it is.  strict_items 1 is at 9 on the subscriber; the
# publisher's 8 -> 9 arrives.

$publisher->safe_psql(
	'postgres', q{
UPDATE items SET val = 'b3' WHERE id = 2;
UPDATE strict_items SET val = 's4', version = 8 WHERE id = 1;
UPDATE parted SET val = 'q3' WHERE id = 2;
});
$publisher->wait_for_catchup('sub');

is( $subscriber->safe_psql('postgres',
		q{SELECT i::text FROM items i WHERE id IN (2, 100)
		  UNION ALL SELECT s::text FROM strict_items s
		  UNION ALL SELECT p::text FROM parted p WHERE id = 2}),
	q{(2,b3,5)
(100,"local only",1)
(1,s4,9)
(2,us,q3,3)},
	'subscriber: the replicated versions overwrite the local ones as they are');

# The subscription keeps working.
$publisher->safe_psql('postgres',
	q{INSERT INTO items VALUES (7, 'g', 42); UPDATE items SET val = 'g2' WHERE id = 7;});
$publisher->wait_for_catchup('sub');
is($subscriber->safe_psql('postgres', 'SELECT val, version FROM items WHERE id = 7'),
	'g2|43', 'subscriber: later changes still arrive, versions unchanged');

SKIP:
{
	skip 'pg_stat_subscription_stats came with PostgreSQL 15 (the log is checked below)', 1
	  if pg_major($subscriber) < 15;
	is( $subscriber->safe_psql(
			'postgres', q{
SELECT apply_error_count, sync_error_count FROM pg_stat_subscription_stats
 WHERE subname = 'sub'}),
		'0|0',
		'subscriber: no apply or sync error');
}
is( $subscriber->safe_psql(
		'postgres', q{
SELECT count(*) FROM pg_stat_subscription WHERE subname = 'sub' AND pid IS NOT NULL}),
	'1',
	'subscriber: the apply worker is running');

# A local write is checked against the replicated version.
($out, $err) = run_sql(
	$subscriber, q{
UPDATE items SET val = 'local', version = 4 WHERE id = 2;
UPDATE items SET val = 'local', version = 5 WHERE id = 2 RETURNING version;
});
is($out, '6', 'subscriber: a local write based on the replicated version is fresh');
is( $err,
	q{ERROR:  row in "public.items" was modified by another transaction
DETAIL:  Key (id)=(2): the update was based on version 4, but the current version is 5.
HINT:  Re-read the row and apply the change again.},
	'subscriber: a local write based on an older version is stale');

# The subscriber's log: the four local refusals, nothing from the apply
# worker.
my $log = slurp_file($subscriber->logfile, $log_offset);
my @refusals = $log =~ /^.* \[client backend\] \[(40V01|23V01)\] .*ERROR:/mg;
is(join(' ', @refusals), '40V01 23V01 40V01 40V01',
	'subscriber log: only the refused local writes');
# The workers' backend type: one for both up to 16, one each from 17 on.
# The check that no worker reported an error holds only if the log shows
# both kinds under the type it looks for.
my ($apply_type, $sync_type) =
  pg_major($subscriber) >= 17
  ? ('logical replication apply worker', 'logical replication tablesync worker')
  : ('logical replication worker', 'logical replication worker');
unlike(
	$log,
	qr/\[(?:\Q$apply_type\E|\Q$sync_type\E)\] \[(?!00000)[0-9A-Z]{5}\]/,
	'subscriber log: the apply and sync workers reported no error');
like(
	$log,
	qr/\[\Q$apply_type\E\] \[00000\] LOG:  logical replication apply worker for subscription "sub" has started/,
	'subscriber log: the apply worker started, under the expected backend type');
like(
	$log,
	qr/\[\Q$sync_type\E\] \[00000\] LOG:  logical replication table synchronization worker for subscription "sub", table "items" has finished/,
	'subscriber log: a sync worker finished, under the expected backend type');

$subscriber->stop;
$publisher->stop;
done_testing();
