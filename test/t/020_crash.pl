# A backend killed with SIGKILL in the middle of versioned writes.
#
# The postmaster answers a backend's SIGKILL by ending every other backend
# and running crash recovery from the WAL.  Afterwards every versioned row
# must still be consistent: the data is laid out so that the version can be
# derived from it (each write increments both a counter and the version, so
# version = counter + 1 for every row), and each committed write is counted
# in a log table in the same transaction (counter = number of logged
# writes).  A version that moved without its write, a write that kept its
# version, or a committed write that was lost all break one of these
# equalities.
#
#   1. A 500,000-row UPDATE is killed while it runs (the heap has grown
#      part of the way): after recovery no row shows a trace of it, the
#      writes committed before it are all there, the heap and the index
#      pass amcheck, and the UPDATE run again completes and moves every
#      version exactly once.
#   2. pgbench clients run versioned single-row writes of every kind (a
#      locked echo, no stated version, an ORM-style compare-and-set, an
#      echo with on_conflict = skip, an echo whose 40V01 is caught), each
#      logging its attempt in the same transaction; one of their backends is
#      killed.  After recovery the equalities hold for every row, and every
#      transaction pgbench saw commit has its log row (and no more than one
#      unacknowledged commit per client is there besides).  A second,
#      clean pgbench run after recovery keeps them.
#
# The figures (sizes at the kill, transactions, outcomes) are reported as
# notes.

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use ConcurrencyTestCompat;
use Test::More;
use Time::HiRes qw(usleep);

my $big_rows = 500_000;
my $accounts = 10;
my $clients = 4;
my $threads = 2;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf(
	'postgresql.conf', q{
restart_after_crash = on
log_statement = none
checkpoint_timeout = 1h
max_wal_size = 1GB
});
$node->start;

my $tempdir = PostgreSQL::Test::Utils::tempdir;

$node->safe_psql(
	'postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
CREATE EXTENSION amcheck;});

# --- helpers ---------------------------------------------------------------

# Kill a backend with SIGKILL and wait until the server has been through
# crash recovery and accepts connections again.  Returns the server log
# written meanwhile.
sub kill_backend_and_recover
{
	my ($pid, $label) = @_;
	my $log_offset = -s $node->logfile;

	is(kill('KILL', $pid), 1, "$label: backend $pid sent SIGKILL");
	$node->wait_for_log(qr/database system is ready to accept connections/,
		$log_offset);
	$node->poll_query_until('postgres', 'SELECT 1', '1')
	  or die "$label: the server did not come back";
	return slurp_file($node->logfile, $log_offset);
}

# The server log must show the kill, the restart of every backend and the
# crash recovery.
sub crash_recovery_logged
{
	my ($log, $pid, $label) = @_;
	# PostgreSQL 18 names the kind of process that died
	my $process = pg_major($node) >= 18 ? 'client backend' : 'server process';

	like($log,
		qr/\Q$process\E \(PID $pid\) was terminated by signal 9: Killed/,
		"$label: the postmaster saw the backend die");
	like($log, qr/terminating any other active server processes/,
		"$label: every other backend was ended");
	like($log, qr/all server processes terminated; reinitializing/,
		"$label: the postmaster reinitialized");
	like($log,
		qr/database system was not properly shut down; automatic recovery in progress/,
		"$label: crash recovery ran");
	like($log, qr/redo done at/, "$label: the WAL was replayed");
	unlike($log, qr/PANIC|TRAP:/, "$label: no PANIC, no assertion failure");
}

# The heap and the indexes of a table pass amcheck.
sub amcheck_ok
{
	my ($table, $label) = @_;

	is( $node->safe_psql(
			'postgres', qq{
SELECT count(*) FROM verify_heapam('$table');
SELECT count(bt_index_check(indexrelid, true))
  FROM pg_index WHERE indrelid = '$table'::regclass;}),
		"0\n1",
		"$label: $table: no heap corruption, the primary key covers every row");
}

# --- 1. a large UPDATE killed while it runs --------------------------------

$node->safe_psql(
	'postgres', qq{
CREATE TABLE big (id int PRIMARY KEY, counter int NOT NULL, filler text,
				  version rowversion);
INSERT INTO big SELECT g, g % 7, 'row ' || g, g % 7 + 1
  FROM generate_series(1, $big_rows) g;
VACUUM (FREEZE, ANALYZE) big;
-- writes committed before the crash; they must survive it
UPDATE big SET counter = counter + 1 WHERE id <= 1000;
UPDATE big SET counter = counter + 1, version = version WHERE id <= 10;
UPDATE big SET counter = counter + 1, version = version + 1 WHERE id = 1;});

my $big_checksum_sql =
  q{SELECT md5(string_agg(id || ':' || counter || ':' || version, ',' ORDER BY id)) FROM big};
my $big_state_sql = q{
SELECT count(*), count(*) FILTER (WHERE version <> counter + 1),
	   sum(counter), sum(version)
  FROM big};

my $big_before = $node->safe_psql('postgres', $big_state_sql);
my $big_checksum = $node->safe_psql('postgres', $big_checksum_sql);
my $expected_sum = 0;
$expected_sum += $_ % 7 for 1 .. $big_rows;
$expected_sum += 1000 + 10 + 1;
is( $big_before,
	"$big_rows|0|$expected_sum|" . ($expected_sum + $big_rows),
	'big: before the crash, version = counter + 1 for every row');
is( $node->safe_psql('postgres',
		'SELECT id, counter, version FROM big WHERE id IN (1, 7, 10, 11, 1001) ORDER BY id'),
	"1|4|5\n7|2|3\n10|5|6\n11|5|6\n1001|0|1",
	'big: the committed writes moved counter and version together');

my $heap_size = $node->safe_psql('postgres', "SELECT pg_relation_size('big')");

# The UPDATE runs in an explicit transaction that then waits: even if it
# completed just before the kill, it is not committed.
my ($update_out, $update_err) = ('', '');
my $update = IPC::Run::start(
	[
		'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d',
		$node->connstr('postgres') . ' application_name=big_update',
		'-c', 'BEGIN',
		'-c', 'UPDATE big SET counter = counter + 1',
		'-c', 'SELECT pg_sleep(600)',
		'-c', 'COMMIT'
	],
	'<', \undef, '>', \$update_out, '2>', \$update_err,
	IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));

# Wait until the UPDATE has written a fifth of the new row versions.
my ($update_pid, $size_at_kill);
my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
while (time < $deadline)
{
	my $row = $node->safe_psql(
		'postgres', qq{
SELECT pid, pg_relation_size('big') FROM pg_stat_activity
 WHERE application_name = 'big_update' AND state = 'active'
   AND query = 'UPDATE big SET counter = counter + 1'
   AND pg_relation_size('big') > $heap_size * 1.2});
	if ($row ne '')
	{
		($update_pid, $size_at_kill) = split /\|/, $row;
		last;
	}
	usleep(20_000);
}
ok(defined $update_pid, 'big: the UPDATE was caught while it ran')
  or BAIL_OUT('the UPDATE could not be caught running');
cmp_ok($size_at_kill, '<', 2 * $heap_size,
	'big: it had written only part of the new row versions');
note sprintf(
	'big: heap of %d bytes before the UPDATE, %d bytes (+%.0f%%) when its backend was killed',
	$heap_size, $size_at_kill, 100 * ($size_at_kill - $heap_size) / $heap_size);

my $log = kill_backend_and_recover($update_pid, 'big');
crash_recovery_logged($log, $update_pid, 'big');

$update->finish;
isnt($?, 0, 'big: the client of the killed backend failed');
like(
	$update_err,
	qr/server closed the connection unexpectedly/,
	'big: the client of the killed backend lost its connection');
is($update_out, '', 'big: the UPDATE never reported a result');

is($node->safe_psql('postgres', $big_state_sql),
	$big_before,
	'big: after recovery, the same rows and sums; version = counter + 1 everywhere');
is($node->safe_psql('postgres', $big_checksum_sql),
	$big_checksum,
	'big: after recovery, every row is exactly as committed before the crash');
amcheck_ok('big', 'big after recovery');

# Run again, this time echoing the version, the UPDATE completes and moves
# every version once.
is( $node->safe_psql(
		'postgres',
		'UPDATE big SET counter = counter + 1, version = version; '
		  . $big_state_sql),
	"$big_rows|0|"
	  . ($expected_sum + $big_rows) . '|'
	  . ($expected_sum + 2 * $big_rows),
	'big: the UPDATE rerun after recovery moves every version exactly once');

my ($rc, $out, $err) = $node->psql('postgres',
	'UPDATE big SET counter = 0, version = 2 WHERE id = 7');
is($rc, 3, 'big: a stale write after recovery fails');
like(
	$err,
	qr/ERROR:  row in "public.big" was modified by another transaction
DETAIL:  Key \(id\)=\(7\): the update was based on version 2, but the current version is 4\./,
	'big: a stale write after recovery is rejected with its key and versions');

# --- 2. pgbench writers, one backend killed ----------------------------------

$node->safe_psql(
	'postgres', qq{
CREATE TABLE acct (id int PRIMARY KEY, counter int NOT NULL,
				   version rowversion);
INSERT INTO acct (id, counter) SELECT g, 0 FROM generate_series(1, $accounts) g;

-- one row per write attempt, in the attempt's transaction: counter and
-- version are those the write left, or NULL when nothing was written
CREATE TABLE write_log (
	seq bigserial PRIMARY KEY,
	acct_id int NOT NULL,
	kind text NOT NULL,
	outcome text NOT NULL,
	counter int,
	version bigint);

-- an echo write whose stale-write error is caught
CREATE FUNCTION echo_write(p_id int, p_version bigint) RETURNS void
LANGUAGE plpgsql AS \$\$
DECLARE
	c int;
	v bigint;
BEGIN
	BEGIN
		UPDATE acct SET counter = counter + 1, version = p_version
		 WHERE id = p_id RETURNING counter, version INTO c, v;
	EXCEPTION WHEN SQLSTATE '40V01' THEN
		INSERT INTO write_log (acct_id, kind, outcome)
		VALUES (p_id, 'echo_error', 'rejected');
		RETURN;
	END;
	INSERT INTO write_log (acct_id, kind, outcome, counter, version)
	VALUES (p_id, 'echo_error', 'written', c, v);
END
\$\$;});

my %scripts = (

	# reads under a row lock, states the version it read
	locked => qq{
\\set id random(1, $accounts)
BEGIN;
SELECT counter, version FROM acct WHERE id = :id FOR UPDATE \\gset
UPDATE acct SET counter = :counter + 1, version = :version WHERE id = :id RETURNING counter AS new_counter, version AS new_version \\gset
INSERT INTO write_log (acct_id, kind, outcome, counter, version) VALUES (:id, 'locked', 'written', :new_counter, :new_version);
COMMIT;
},

	# states no version
	unstated => qq{
\\set id random(1, $accounts)
BEGIN;
UPDATE acct SET counter = counter + 1 WHERE id = :id RETURNING counter AS new_counter, version AS new_version \\gset
INSERT INTO write_log (acct_id, kind, outcome, counter, version) VALUES (:id, 'unstated', 'written', :new_counter, :new_version);
COMMIT;
},

	# computes the next version and filters on the one it read
	orm => qq{
\\set id random(1, $accounts)
SELECT version AS read_version FROM acct WHERE id = :id \\gset
WITH w AS (UPDATE acct SET counter = counter + 1, version = version + 1 WHERE id = :id AND version = :read_version RETURNING counter, version)
INSERT INTO write_log (acct_id, kind, outcome, counter, version)
SELECT :id, 'orm', CASE WHEN w.version IS NULL THEN 'skipped' ELSE 'written' END, w.counter, w.version
  FROM (SELECT) AS one LEFT JOIN w ON true;
},

	# echoes the version it read; a stale row is skipped
	echo_skip => qq{
\\set id random(1, $accounts)
SELECT version AS read_version FROM acct WHERE id = :id \\gset
\\sleep 1 ms
BEGIN;
SET LOCAL concurrency.on_conflict = skip;
WITH w AS (UPDATE acct SET counter = counter + 1, version = :read_version WHERE id = :id RETURNING counter, version)
INSERT INTO write_log (acct_id, kind, outcome, counter, version)
SELECT :id, 'echo_skip', CASE WHEN w.version IS NULL THEN 'skipped' ELSE 'written' END, w.counter, w.version
  FROM (SELECT) AS one LEFT JOIN w ON true;
COMMIT;
},

	# echoes the version it read; a stale write raises 40V01, caught
	echo_error => qq{
\\set id random(1, $accounts)
SELECT version AS read_version FROM acct WHERE id = :id \\gset
\\sleep 1 ms
SELECT echo_write(:id, :read_version);
});

my @kinds = sort keys %scripts;
my %script_file;
foreach my $kind (@kinds)
{
	$script_file{$kind} = "$tempdir/$kind.sql";
	append_to_file($script_file{$kind}, $scripts{$kind});
}

# Start pgbench in the background; its per-transaction logs go to
# $tempdir/<label>.*.
sub start_pgbench
{
	my ($label, @args) = @_;
	my ($out, $err) = ('', '');
	my @cmd = (
		'pgbench', '-n', '-c', $clients, '-j', $threads,
		'-h', $node->host, '-p', $node->port,
		'-l', "--log-prefix=$tempdir/$label", @args,
		(map { ('-f', $script_file{$_}) } @kinds), 'postgres');
	local $ENV{PGOPTIONS} = '-c client_min_messages=warning';
	local $ENV{PGAPPNAME} = 'pgbench';
	my $h = IPC::Run::start(\@cmd, '<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));

	return { handle => $h, out => \$out, err => \$err, label => $label };
}

# Transactions pgbench saw complete, per script, from its logs.
sub acknowledged
{
	my ($label) = @_;
	my %acked = map { ($_ => 0) } @kinds;

	foreach my $file (glob("$tempdir/$label.*"))
	{
		foreach my $line (split /\n/, slurp_file($file))
		{
			my @f = split / /, $line;

			# client transaction_no time script_no ...; time is a
			# number for a transaction that completed
			$acked{ $kinds[ $f[3] ] }++ if $f[2] =~ /^\d+$/;
		}
	}
	return \%acked;
}

# Write attempts logged in the database, per script.
sub logged
{
	my %logged = map { ($_ => 0) } @kinds;
	my $rows = $node->safe_psql('postgres',
		'SELECT kind, count(*) FROM write_log GROUP BY kind');

	foreach (split /\n/, $rows)
	{
		my ($kind, $n) = split /\|/;
		$logged{$kind} = $n;
	}
	return \%logged;
}

# Every account: version = counter + 1, counter = writes logged, and the
# logged versions are exactly 2 .. version, each once, each with
# version = counter + 1.
my $invariant_sql = q{
SELECT count(*) AS accounts,
	   count(*) FILTER (WHERE a.version <> a.counter + 1) AS version_not_counter,
	   count(*) FILTER (WHERE a.counter <> coalesce(l.written, 0)) AS counter_not_log,
	   count(*) FILTER (WHERE l.written <> l.distinct_versions
						  OR l.min_version <> 2
						  OR l.max_version <> a.version) AS versions_not_2_to_n,
	   (SELECT count(*) FROM write_log
		 WHERE outcome = 'written' AND version IS DISTINCT FROM counter + 1) AS log_mismatch,
	   (SELECT count(*) FROM write_log
		 WHERE outcome <> 'written' AND (version IS NOT NULL OR counter IS NOT NULL)) AS log_unwritten_with_values
  FROM acct a
  LEFT JOIN (SELECT acct_id, count(*) AS written,
					count(DISTINCT version) AS distinct_versions,
					min(version) AS min_version, max(version) AS max_version
			   FROM write_log WHERE outcome = 'written' GROUP BY acct_id) l
	ON l.acct_id = a.id};

sub invariants_hold
{
	my ($label) = @_;

	is($node->safe_psql('postgres', $invariant_sql),
		"$accounts|0|0|0|0|0",
		"$label: every account: version = counter + 1 = logged writes + 1, logged versions 2 .. version"
	);
}

sub report
{
	my ($label) = @_;

	note "$label: write log (kind, outcome, attempts):\n"
	  . $node->safe_psql('postgres',
		'SELECT kind, outcome, count(*) FROM write_log GROUP BY 1, 2 ORDER BY 1, 2'
	  );
	note "$label: accounts (writes, version): "
	  . $node->safe_psql('postgres',
		q{SELECT sum(counter) || ', ' || string_agg(version::text, ' ' ORDER BY id) FROM acct}
	  );
}

# Run pgbench until a good number of writes is in, then kill one of its
# backends in the middle of the load.
my $bench = start_pgbench('crash', '-T', $PostgreSQL::Test::Utils::timeout_default);
$node->poll_query_until('postgres', 'SELECT count(*) >= 2000 FROM write_log')
  or die 'pgbench did not get going';
my $victim = $node->safe_psql(
	'postgres', q{
SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench'
 ORDER BY xact_start IS NULL, random() LIMIT 1});
like($victim, qr/^\d+$/, 'pgbench: one of its backends was picked');
my $before_kill = $node->safe_psql('postgres', 'SELECT count(*) FROM write_log');

$log = kill_backend_and_recover($victim, 'pgbench');
crash_recovery_logged($log, $victim, 'pgbench');

$bench->{handle}->finish;
is($? >> 8, 2, 'pgbench: the run was aborted by the crash');
like(
	${ $bench->{err} },
	qr/client \d+ aborted/,
	'pgbench: its clients were aborted');
unlike(
	${ $bench->{err} },
	qr/ERROR:|40V01/,
	'pgbench: no client saw an SQL error before the crash');
note "pgbench: $before_kill write attempts logged when the backend was killed";

invariants_hold('pgbench after recovery');
report('pgbench after recovery');

my $acked = acknowledged('crash');
my $logged = logged();
foreach my $kind (@kinds)
{
	cmp_ok($logged->{$kind}, '>=', $acked->{$kind},
		"pgbench: $kind: every transaction pgbench saw commit is logged");
	cmp_ok($logged->{$kind}, '<=', $acked->{$kind} + $clients,
		"pgbench: $kind: at most one unacknowledged commit per client");
	note "pgbench: $kind: $acked->{$kind} transactions acknowledged, "
	  . "$logged->{$kind} logged";
}
cmp_ok(
	$node->safe_psql('postgres',
		q{SELECT count(*) FROM write_log WHERE outcome = 'written'}),
	'>=', 1000,
	'pgbench: a good number of writes was applied before the crash');
is( $node->safe_psql('postgres',
		q{SELECT count(*) > 0 FROM write_log
		   WHERE outcome IN ('skipped', 'rejected') AND kind LIKE 'echo%'}),
	't',
	'pgbench: stale echo writes happened, and were skipped or rejected');
amcheck_ok('acct', 'pgbench after recovery');
amcheck_ok('write_log', 'pgbench after recovery');

# A clean run after recovery keeps the invariants.
$bench = start_pgbench('clean', '-t', 200);
$bench->{handle}->finish;
is($? >> 8, 0, 'pgbench after recovery: every client finished');
is(${ $bench->{err} }, '', 'pgbench after recovery: no error');
invariants_hold('pgbench after recovery, second run');
report('pgbench after recovery, second run');
my $clean_acked = acknowledged('clean');
my $total_acked = 0;
$total_acked += $clean_acked->{$_} for @kinds;
is($total_acked, $clients * 200,
	'pgbench after recovery: every transaction of the second run completed');
my $logged_after = logged();
foreach my $kind (@kinds)
{
	is( $logged_after->{$kind} - $logged->{$kind},
		$clean_acked->{$kind},
		"pgbench after recovery: $kind: one logged attempt per transaction");
}

$node->stop;
done_testing();
