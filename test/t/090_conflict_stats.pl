# Conflict statistics across a restart, and without preloading.
#
# With shared_preload_libraries = 'concurrency', the counts of
# concurrency.conflicts come from every backend, survive a clean restart
# (the postmaster saves them to pg_stat/concurrency.stat at shutdown and
# reads them back), and start from zero after a crash.  Without the
# library preloaded, reading them is an error with SQLSTATE 55000 and a
# HINT naming the setting.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('preloaded');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'concurrency'\nrestart_after_crash = on\n");
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION concurrency;
CREATE TABLE accounts (id int PRIMARY KEY, balance int, version rowversion);
INSERT INTO accounts VALUES (1, 10), (2, 20);
UPDATE accounts SET balance = balance + 1;
CREATE TABLE strict_t (id int PRIMARY KEY, v rowversion);
SELECT concurrency.enable('strict_t', 'v', strict => true);
INSERT INTO strict_t VALUES (1);
});

# events from several backends, each its own connection
foreach my $i (1 .. 3)
{
	my ($ret, $out, $err) = $node->psql('postgres',
		'UPDATE accounts SET balance = 0, version = 1 WHERE id = 1');
	like($err, qr/was modified by another transaction/, "backend $i: a stale write is refused");
}
$node->psql('postgres',
	q{SET concurrency.on_conflict = skip; UPDATE accounts SET balance = 0, version = 1});
$node->psql('postgres', q{UPDATE strict_t SET id = id});

my $counts_sql = q{SELECT table_name, rejected, skipped, warned, bypassed, not_stated,
	   last_conflict IS NOT NULL FROM concurrency.conflicts ORDER BY 1};
my $counts = "accounts|3|2|0|0|0|t\nstrict_t|0|0|0|0|1|t";
is($node->safe_psql('postgres', $counts_sql), $counts,
	'the counts of every backend add up');
my $last = $node->safe_psql('postgres',
	q{SELECT last_conflict FROM concurrency.conflicts WHERE table_name = 'accounts'});

$node->restart;
is($node->safe_psql('postgres', $counts_sql), $counts, 'a clean restart keeps the counts');
is( $node->safe_psql(
		'postgres',
		q{SELECT last_conflict FROM concurrency.conflicts WHERE table_name = 'accounts'}),
	$last,
	'and the time of the latest event');
ok(!-e $node->data_dir . '/pg_stat/concurrency.stat',
	'the file is read once and removed');

# counting goes on after the restart
$node->psql('postgres', 'UPDATE accounts SET balance = 0, version = 1 WHERE id = 2');
is( $node->safe_psql(
		'postgres', q{SELECT rejected FROM concurrency.conflicts WHERE table_name = 'accounts'}),
	'4', 'counting goes on from the restored counts');

# a crash loses them: a backend killed makes the postmaster reset shared
# memory, and what it held is not trusted
my $victim = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $victim->query_safe('SELECT pg_backend_pid()');
kill 'KILL', $pid;
eval { $victim->quit };
$node->poll_query_until('postgres', 'SELECT 1', '1')
  or die 'the server did not come back after the crash';
is($node->safe_psql('postgres', 'SELECT count(*) FROM concurrency.conflicts'),
	'0', 'after a crash the counts start from zero');
$node->stop;

# --- without shared_preload_libraries ---------------------------------------

my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION concurrency');
foreach my $sql ('SELECT * FROM concurrency.conflicts',
	'SELECT concurrency.reset_conflicts()')
{
	my ($ret, $out, $err) =
	  $plain->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	like(
		$err,
		qr/ERROR:  55000: concurrency\.(?:conflicts|reset_conflicts\(\)) needs the concurrency library to be loaded at server start\nHINT:  Add "concurrency" to shared_preload_libraries and restart the server\./,
		"without preloading, $sql is refused with 55000 and a HINT");
}
# versioning itself needs no preloading
my ($ret, $out, $err) = $plain->psql('postgres', q{
CREATE TABLE t (id int PRIMARY KEY, version rowversion);
INSERT INTO t VALUES (1);
UPDATE t SET id = 1;
UPDATE t SET id = 1, version = 1;});
like($err, qr/row in "public\.t" was modified by another transaction/,
	'while versioning works as ever');
$plain->stop;

done_testing();
