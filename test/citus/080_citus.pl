# Row versioning on Citus: a coordinator and two workers.
#
# CREATE EXTENSION on the coordinator reaches every node; each node's event
# trigger attaches the row trigger to the shards Citus creates there; the
# options travel as the version column's default, which Citus copies into
# every shard and shell table, also through moves, splits,
# alter_distributed_table and undistribute_table; errors raised on a shard
# name the distributed table; a setting counts on a shard only if it
# reaches every node (SET LOCAL with citus.propagate_set_commands =
# 'local').
#
# Needs Citus installed for the PostgreSQL under test; test/run.sh runs
# this file only then, and reports the suite as skipped otherwise.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use ConcurrencyTestCompat;
use Test::More;

# Citus connects to the nodes by host name and port
$PostgreSQL::Test::Cluster::use_tcp = 1;
$PostgreSQL::Test::Cluster::test_pghost = '127.0.0.1';

my @nodes;
foreach my $name ('coordinator', 'worker1', 'worker2')
{
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	# logical decoding, for logical shard transfers and
	# create_distributed_table_concurrently
	$node->append_conf('postgresql.conf',
		"shared_preload_libraries = 'citus'\nmax_worker_processes = 20\n"
		  . "wal_level = logical\nmax_replication_slots = 10\nmax_wal_senders = 10\n");
	$node->start;
	# minors that restrict the output plugins logical decoding may load
	# (output_plugin_libraries) must allow Citus's
	if ($node->safe_psql('postgres',
			q{SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'}) eq '1')
	{
		$node->append_conf('postgresql.conf',
			"output_plugin_libraries = 'pgoutput, test_decoding, citus'\n");
		$node->restart;
	}
	$node->safe_psql('postgres', 'CREATE EXTENSION citus');
	push @nodes, $node;
}
my ($coord, $w1, $w2) = @nodes;

$coord->safe_psql(
	'postgres', sprintf(
		q{SELECT citus_set_coordinator_host('127.0.0.1', %d);
SELECT citus_add_node('127.0.0.1', %d);
SELECT citus_add_node('127.0.0.1', %d);}, $coord->port, $w1->port, $w2->port));

# psql on the coordinator, errors with their SQLSTATE; returns stdout and
# stderr with psql's line prefixes and Citus's "while executing command"
# context taken off
sub run
{
	my ($node, $sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql");

	$err =~ s/^psql:<stdin>:\d+: //mg;
	$err =~ s/^(?:CONTEXT|LOCATION):.*(?:\n|\z)//mg;
	$err =~ s/^DETAIL:  from 127\.0\.0\.1:\d+\n//mg;
	return ($out, $err);
}

# the same query on every node, one line per node, once the shards that
# moves and splits left behind are gone
sub on_every_node
{
	my ($sql) = @_;

	$coord->safe_psql('postgres', 'CALL citus_cleanup_orphaned_resources()');

	return join("\n", map { $_->safe_psql('postgres', $sql) } @nodes);
}

# --- the extension reaches every node ---------------------------------------

$coord->safe_psql('postgres', 'CREATE EXTENSION concurrency');
is( on_every_node(
		q{SELECT extversion FROM pg_extension WHERE extname = 'concurrency'}),
	"1.1\n1.1\n1.1",
	'CREATE EXTENSION on the coordinator reaches both workers');

$coord->safe_psql(
	'postgres', q{
CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance int, version rowversion);
SELECT create_distributed_table('accounts', 'id', shard_count => 4);
INSERT INTO accounts SELECT g, 'owner ' || g, 100 FROM generate_series(1, 8) g;
SELECT concurrency.enable('accounts', check_columns => '{balance}', strict => true);
});

my $tables_sql = q{SELECT * FROM concurrency.tables ORDER BY 1, 2};
my $accounts_row = 'public|accounts|version|{balance}||t|t';
is(on_every_node($tables_sql), join("\n", ($accounts_row) x 3),
	'concurrency.tables shows the options on every node');

# each shard, on each worker: one internal trigger, and the options
my $shards_sql = q{
SET citus.show_shards_for_app_name_prefixes = '*';
SELECT count(*), count(DISTINCT pg_get_expr(d.adbin, d.adrelid)),
	   min(pg_get_expr(d.adbin, d.adrelid)),
	   sum((SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgisinternal
			  AND t.tgfoid = 'concurrency.version_trigger()'::regprocedure))
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'version'
  JOIN pg_attrdef d ON (d.adrelid, d.adnum) = (a.attrelid, a.attnum)
 WHERE c.relname ~ '^accounts_[0-9]+$' AND c.relkind = 'r'};
my $options_text =
  q{concurrency.options((1)::rowversion, '{balance}'::name[], NULL::name[], true)};
is( join("\n", map { $_->safe_psql('postgres', $shards_sql) } ($w1, $w2)),
	"2|1|$options_text|2\n2|1|$options_text|2",
	'every shard carries the options and one row trigger');

# --- errors name the distributed table ---------------------------------------

sub enforced_ok
{
	my ($label) = @_;
	my ($out, $err) = run($coord, q{UPDATE accounts SET owner = 'x' WHERE id = 1});
	is( $err,
		q{ERROR:  23V01: update of "public.accounts" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "version" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., version = <version read>.
},
		"$label: strict is enforced on the shards, and the error names the distributed table"
	);
	my $current = $coord->safe_psql('postgres', 'SELECT version FROM accounts WHERE id = 2');
	my $stale = $current - 1;
	($out, $err) = run($coord,
		"UPDATE accounts SET balance = 0, version = $stale WHERE id = 2");
	is( $err,
		qq{ERROR:  40V01: row in "public.accounts" was modified by another transaction
DETAIL:  Key (id)=(2): the update was based on version $stale, but the current version is $current.
HINT:  Re-read the row and apply the change again.
},
		"$label: a stale write is refused, naming the table, the key and both versions");
	is( $coord->safe_psql(
			'postgres',
			"UPDATE accounts SET owner = 'not counted', version = $current WHERE id = 2 RETURNING version"
		),
		$current,
		"$label: check_columns holds: a change of owner alone leaves the version");
	is( $coord->safe_psql(
			'postgres',
			"UPDATE accounts SET balance = balance + 1, version = $current WHERE id = 2 RETURNING version"
		),
		$current + 1,
		"$label: a change of balance moves it");
}

is( $coord->safe_psql(
		'postgres',
		q{UPDATE accounts SET balance = 101, version = 1 WHERE id = 2 RETURNING version}),
	'2', 'a counted change moves the version');
enforced_ok('after create_distributed_table');

# --- renaming a column the options name ------------------------------------

$coord->safe_psql(
	'postgres', q{
CREATE TABLE renamed (id int PRIMARY KEY, a text, b text, version rowversion);
SELECT create_distributed_table('renamed', 'id', shard_count => 2);
SELECT concurrency.enable('renamed', check_columns => '{a}');
INSERT INTO renamed VALUES (1, 'x', 'y'), (2, 'x', 'y');
ALTER TABLE renamed RENAME COLUMN a TO a2;
});
is( on_every_node(
		q{SET citus.show_shards_for_app_name_prefixes = '*';
SELECT count(*), count(DISTINCT pg_get_expr(d.adbin, d.adrelid)), min(pg_get_expr(d.adbin, d.adrelid))
  FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid WHERE c.relname ~ '^renamed(_[0-9]+)?$'}),
	join("\n",
		"1|1|concurrency.options((1)::rowversion, '{a2}'::name[])",
		"2|1|concurrency.options((1)::rowversion, '{a2}'::name[])",
		"2|1|concurrency.options((1)::rowversion, '{a2}'::name[])"),
	'a rename reaches the options of the table and of every shard, on every node');
is( $coord->safe_psql('postgres', q{UPDATE renamed SET b = 'not counted' WHERE id = 1 RETURNING version}) . ' '
	  . $coord->safe_psql('postgres', q{UPDATE renamed SET a2 = 'counted' WHERE id = 2 RETURNING version}),
	'1 2', 'and the renamed column is the one that counts');
$coord->safe_psql('postgres', 'DROP TABLE renamed');

# --- moves, splits, rebalances, alter_distributed_table ---------------------

my ($shardid, $port) = split /\|/,
  $coord->safe_psql(
	'postgres', q{
SELECT s.shardid, n.nodeport FROM pg_dist_shard s
  JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid)
 WHERE s.logicalrelid = 'accounts'::regclass AND n.nodeport <> (SELECT nodeport FROM pg_dist_node WHERE groupid = 0)
 ORDER BY 1 LIMIT 1});
my $other = $port == $w1->port ? $w2->port : $w1->port;
$coord->safe_psql('postgres',
	"SELECT citus_move_shard_placement($shardid, '127.0.0.1', $port, '127.0.0.1', $other, shard_transfer_mode => 'block_writes')"
);
enforced_ok('after a shard move');

# a logical transfer: the shard is copied while writes go on
$coord->safe_psql('postgres',
	"SELECT citus_move_shard_placement($shardid, '127.0.0.1', $other, '127.0.0.1', $port, shard_transfer_mode => 'force_logical')"
);
enforced_ok('after a logical shard move');

$coord->safe_psql(
	'postgres', qq{
SELECT citus_split_shard_by_split_points($shardid,
	ARRAY[((SELECT shardminvalue::bigint FROM pg_dist_shard WHERE shardid = $shardid)
		   + (SELECT shardmaxvalue::bigint FROM pg_dist_shard WHERE shardid = $shardid)) / 2]::text[],
	ARRAY[(SELECT nodeid FROM pg_dist_node WHERE nodeport = $other),
		  (SELECT nodeid FROM pg_dist_node WHERE nodeport = $port)],
	'block_writes');
});
enforced_ok('after a split');

# every shard onto one worker, then a rebalance spreads them again
foreach my $row (split /\n/,
	$coord->safe_psql(
		'postgres', sprintf(
			q{SELECT s.shardid FROM pg_dist_shard s
  JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid)
 WHERE s.logicalrelid = 'accounts'::regclass AND n.nodeport = %d}, $w2->port)))
{
	$coord->safe_psql('postgres',
		sprintf(q{SELECT citus_move_shard_placement(%d, '127.0.0.1', %d, '127.0.0.1', %d, shard_transfer_mode => 'block_writes')},
			$row, $w2->port, $w1->port));
}
$coord->safe_psql('postgres',
	q{SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes'); SELECT citus_rebalance_wait();});
is( $coord->safe_psql(
		'postgres', sprintf(
			q{SELECT count(*) > 0 FROM pg_dist_shard s
  JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid)
 WHERE s.logicalrelid = 'accounts'::regclass AND n.nodeport = %d}, $w2->port)),
	't', 'the rebalance moved shards back to the emptied worker');
enforced_ok('after a rebalance');

$coord->safe_psql('postgres', q{SELECT alter_distributed_table('accounts', shard_count := 6)});
is(on_every_node($tables_sql), join("\n", ($accounts_row) x 3),
	'alter_distributed_table keeps the options on every node');
enforced_ok('after alter_distributed_table');

# --- disable() is honoured on every shard -------------------------------------

$coord->safe_psql('postgres', q{SELECT concurrency.disable('accounts')});
is(on_every_node(q{SELECT active FROM concurrency.tables}), "f\nf\nf",
	'disable() shows on every node');
$coord->safe_psql('postgres', q{UPDATE accounts SET balance = 7, version = 0});
is($coord->safe_psql('postgres', q{SELECT count(*) FROM accounts WHERE balance = 7 AND version = 0}),
	'8', 'after disable(), a stale write goes through on every shard');
$coord->safe_psql('postgres',
	q{SELECT concurrency.enable('accounts', check_columns => '{balance}', strict => true)});

# --- undistribute_table keeps the options ------------------------------------

$coord->safe_psql('postgres', q{SELECT undistribute_table('accounts')});
is($coord->safe_psql('postgres', $tables_sql), $accounts_row,
	'undistribute_table keeps the options');
my ($out, $err) = run($coord, q{UPDATE accounts SET owner = 'x' WHERE id = 1});
like($err, qr/^ERROR:  23V01: update of "public\.accounts" does not state a row version/,
	'and the local table is enforced');

# --- reference tables and partitioned distributed tables ---------------------

$coord->safe_psql(
	'postgres', q{
CREATE TABLE ref (id int PRIMARY KEY, v rowversion);
SELECT create_reference_table('ref');
SELECT concurrency.enable('ref', 'v', strict => true);
INSERT INTO ref VALUES (1), (2);
CREATE TABLE parted (id int, region text, a text, version rowversion,
					 PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu');
SELECT create_distributed_table('parted', 'id', shard_count => 2);
SELECT concurrency.enable('parted', ignore_columns => '{a}');
CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us');
INSERT INTO parted VALUES (1, 'eu', 'x'), (2, 'us', 'x');
});
($out, $err) = run($coord, q{UPDATE ref SET id = id});
is( $err,
	q{ERROR:  23V01: update of "public.ref" does not state a row version
DETAIL:  The table is strict: every UPDATE must set column "v" to the version it is based on.
HINT:  Add the version you read to the SET list: SET ..., v = <version read>.
},
	'a reference table is enforced on its placements');
is( $coord->safe_psql(
		'postgres',
		q{UPDATE parted SET a = 'ignored' WHERE id = 1 RETURNING region, version}) . ' '
	  . $coord->safe_psql(
		'postgres',
		q{UPDATE parted SET a = 'ignored' WHERE id = 2 RETURNING region, version}),
	"eu|1 us|1",
	'partitions of a distributed table, one added after distribution, take its options');
($out, $err) = run($coord, q{UPDATE parted SET a = 'stale', version = 0 WHERE id = 2});
like($err, qr/^ERROR:  40V01: row in "public\.parted_us" was modified by another transaction\nDETAIL:  Key \(id, region\)=\(2, us\): the update was based on version 0, but the current version is 1\./,
	'a stale write to a partition is refused, naming the partition');

# --- create_distributed_table_concurrently ----------------------------------

$coord->safe_psql(
	'postgres', q{
CREATE TABLE concurrently_t (id int PRIMARY KEY, a text, version rowversion);
SELECT concurrency.enable('concurrently_t', strict => true);
INSERT INTO concurrently_t VALUES (1, 'a');
});
$coord->safe_psql('postgres',
	q{SELECT create_distributed_table_concurrently('concurrently_t', 'id', shard_count => 2)});
is( $coord->safe_psql(
		'postgres', q{SELECT partmethod FROM pg_dist_partition WHERE logicalrelid = 'concurrently_t'::regclass}),
	'h', 'create_distributed_table_concurrently distributed the table');
($out, $err) = run($coord, q{UPDATE concurrently_t SET a = 'x'});
like($err, qr/^ERROR:  23V01: update of "public\.concurrently_t" does not state a row version/,
	'and its shards are versioned with its options');

# --- ADD COLUMN on a distributed table, and a Citus local table --------------

$coord->safe_psql(
	'postgres', q{
CREATE TABLE later (id int PRIMARY KEY, a text);
SELECT create_distributed_table('later', 'id', shard_count => 2);
INSERT INTO later VALUES (1, 'a'), (2, 'b');
ALTER TABLE later ADD COLUMN version rowversion;
SELECT concurrency.enable('later', strict => true);
CREATE TABLE loc (id int PRIMARY KEY, version rowversion);
SELECT citus_add_local_table_to_metadata('loc');
SELECT concurrency.enable('loc', strict => true);
INSERT INTO loc VALUES (1);
});
is($coord->safe_psql('postgres', q{SELECT string_agg(id || ':' || version, ' ' ORDER BY id) FROM later}),
	'1:1 2:1', 'ADD COLUMN gives the rows of every shard version 1');
$coord->safe_psql(
	'postgres', q{
CREATE TABLE converted (id int PRIMARY KEY, a text, v bigint NOT NULL DEFAULT 0);
SELECT create_distributed_table('converted', 'id', shard_count => 2);
INSERT INTO converted VALUES (1, 'a', 0), (2, 'b', 3);
ALTER TABLE converted ALTER COLUMN v TYPE rowversion;
});
is( $coord->safe_psql('postgres', q{UPDATE converted SET a = 'x' WHERE id = 1 RETURNING v}) . ' '
	  . $coord->safe_psql('postgres', q{UPDATE converted SET a = 'x' WHERE id = 2 RETURNING v}),
	'1 4', 'ALTER COLUMN ... TYPE rowversion on a distributed table versions its shards');
($out, $err) = run($coord, q{UPDATE converted SET a = 'y', v = 0 WHERE id = 2});
like($err, qr/^ERROR:  40V01: row in "public\.converted" was modified by another transaction/,
	'and refuses a stale write there');
($out, $err) = run($coord, q{UPDATE later SET a = 'x'});
like($err, qr/^ERROR:  23V01: update of "public\.later" does not state a row version/,
	'a column added to a distributed table versions its shards, with the options');
is($coord->safe_psql('postgres', q{UPDATE later SET a = 'x', version = 1 WHERE id = 2 RETURNING version}),
	'2', 'and a stated write moves the version');
($out, $err) = run($coord, q{UPDATE loc SET id = id});
like($err, qr/^ERROR:  23V01: update of "public\.loc" does not state a row version/,
	'a Citus local table is enforced, and named');

# --- settings: only what reaches every node counts on a shard ----------------

$coord->safe_psql(
	'postgres', sprintf(
		q{SELECT citus_set_node_property('127.0.0.1', %d, 'shouldhaveshards', true);
CREATE TABLE spread (id int PRIMARY KEY, a text, version rowversion);
SELECT create_distributed_table('spread', 'id', shard_count => 6);
INSERT INTO spread SELECT g, 'a' FROM generate_series(1, 12) g;
UPDATE spread SET a = 'b';}, $coord->port));
is( $coord->safe_psql(
		'postgres', q{SELECT count(DISTINCT groupid) FROM pg_dist_shard
		  JOIN pg_dist_placement USING (shardid) WHERE logicalrelid = 'spread'::regclass}),
	'3', 'spread has shards on the coordinator and on both workers');

($out, $err) = run($coord,
	q{SET concurrency.on_conflict = skip; UPDATE spread SET a = 'stale', version = 1});
like($err, qr/^ERROR:  40V01: row in "public\.spread" was modified by another transaction/,
	'a plain SET is not sent to the workers, and no shard honours it');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM spread WHERE a = 'stale'}),
	'0', 'and nothing was written');

($out, $err) = run(
	$coord, q{SET citus.propagate_set_commands = 'local';
BEGIN;
SET LOCAL concurrency.on_conflict = skip;
UPDATE spread SET a = 'stale', version = 1;
COMMIT;});
is(scalar(() = $err =~ /NOTICE:  40V01: skipped a row in "public\.spread"/g),
	12, 'SET LOCAL with citus.propagate_set_commands = local: every shard skips');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM spread WHERE version = 2 AND a = 'b'}),
	'12', 'and no row was written');

# --- a node added later ------------------------------------------------------

my $w3 = PostgreSQL::Test::Cluster->new('worker3');
$w3->init;
$w3->append_conf('postgresql.conf',
	"shared_preload_libraries = 'citus'\nmax_worker_processes = 20\n"
	  . "wal_level = logical\nmax_replication_slots = 10\nmax_wal_senders = 10\n");
$w3->start;
if ($w3->safe_psql('postgres',
		q{SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'}) eq '1')
{
	$w3->append_conf('postgresql.conf',
		"output_plugin_libraries = 'pgoutput, test_decoding, citus'\n");
	$w3->restart;
}
$w3->safe_psql('postgres', 'CREATE EXTENSION citus');
$coord->safe_psql('postgres', sprintf(q{SELECT citus_add_node('127.0.0.1', %d)}, $w3->port));
is( $w3->safe_psql(
		'postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'concurrency'}),
	'1.1', 'a node added later gets the extension');
$coord->safe_psql('postgres',
	q{SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes'); SELECT citus_rebalance_wait();});
is( $w3->safe_psql(
		'postgres', q{
SET citus.show_shards_for_app_name_prefixes = '*';
SELECT count(*) > 0,
	   bool_and((SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgisinternal
				  AND t.tgfoid = 'concurrency.version_trigger()'::regprocedure) = 1)
  FROM pg_class c WHERE c.relname ~ '^spread_[0-9]+$' AND c.relkind = 'r'}),
	't|t', 'shards moved onto it carry the row trigger');
($out, $err) = run($coord, q{UPDATE spread SET a = 'stale', version = 1});
like($err, qr/^ERROR:  40V01: row in "public\.spread" was modified by another transaction/,
	'and stale writes are refused there as everywhere');
push @nodes, $w3;

# --- two sessions racing through the coordinator -----------------------------

my $alice = $coord->background_psql('postgres', on_error_stop => 0);
my $bob = $coord->background_psql('postgres', on_error_stop => 0);
is($alice->query_safe(q{SELECT version FROM spread WHERE id = 5}), '2',
	'alice reads version 2');
is($bob->query_safe(q{SELECT version FROM spread WHERE id = 5}), '2',
	'bob reads version 2');
is( $bob->query_safe(q{UPDATE spread SET a = 'bob', version = 2 WHERE id = 5 RETURNING version}),
	'3', 'bob writes first');
$alice->query(q{UPDATE spread SET a = 'alice', version = 2 WHERE id = 5});
like($alice->{stderr}, qr/row in "public\.spread" was modified by another transaction/,
	'alice, based on version 2, is refused');
is($coord->safe_psql('postgres', q{SELECT a, version FROM spread WHERE id = 5}),
	'bob|3', 'bob\'s write stands');
$alice->quit;
$bob->quit;

$_->stop foreach @nodes;
done_testing();
