# No lost update under load.
#
# pgbench clients hammer a handful of hot rows.  Each echo writer reads a
# counter and its version, then, in a transaction of its own, writes
# counter + 1 stating the version it read; a write rejected with 40V01 is
# retried on the same row (read again, write again).  Every attempt is
# logged in the transaction of the attempt (test/stress/schema.sql).
#
#   1. With the extension: each row's counter equals the number of writes
#      applied to it, exactly; conflicts happened, and every rejection is
#      a well-formed 40V01 naming the row and both versions.
#   2. The same tables (a plain bigint version column), functions and
#      client script in a database without the extension: updates are lost
#      (counter < writes applied).  This is what proves that the workload
#      is able to lose updates, so that the zero of run 1 means something.
#   3. Mixed writers on the same rows, with the extension: echo writers,
#      ORM writers (version = read + 1 WHERE version = read) and writers
#      that do not state a version (counter = counter + 1).  Every applied
#      write moves the version exactly once: version = 1 + writes applied,
#      counter = writes applied.
#   4. The mixed workload without the extension breaks both equalities.
#
# The figures (transactions, writes applied, conflicts, lost updates) are
# reported as notes.

use strict;
use warnings;

use File::Basename;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use ConcurrencyTestCompat;
use Test::More;

my $stress_dir = dirname(__FILE__) . '/../stress';

my $clients = 8;
my $threads = 2;
my $transactions = 4000;    # per client
my $hot_rows = 5;
my $total = $clients * $transactions;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

# --- helpers ---------------------------------------------------------------

sub create_database
{
	my ($db, $version_type) = @_;

	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION concurrency')
	  if $version_type eq 'rowversion';
	$node->command_ok(
		[
			'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
			'-v', "version_type=$version_type",
			'-d', $node->connstr($db), '-f', "$stress_dir/schema.sql"
		],
		"$db: schema created");
	reset_rows($db);
}

# Fresh hot rows (version 1, counter 0) and an empty log.
sub reset_rows
{
	my ($db) = @_;

	$node->safe_psql($db,
		"TRUNCATE hot, write_log;"
		  . " INSERT INTO hot (id) SELECT generate_series(1, $hot_rows);");
}

# Run pgbench with the given scripts: every client must finish all of its
# transactions without an error.
sub run_pgbench
{
	my ($db, $label, @scripts) = @_;
	my ($out, $err) = ('', '');
	my @cmd = (
		'pgbench', '-n',
		'-h', $node->host, '-p', $node->port,
		'-c', $clients, '-j', $threads, '-t', $transactions,
		'-D', "hot_rows=$hot_rows", '-D', 'echo_retry=0', '-D', 'orm_retry=0',
		(map { ('-f', "$stress_dir/$_") } @scripts), $db);

	IPC::Run::run(\@cmd, '<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	is($? >> 8, 0, "$label: pgbench exit status 0");
	is($err, '', "$label: pgbench stderr is empty");
	like(
		$out,
		qr/^number of transactions actually processed: $total\/$total$/m,
		"$label: all $total transactions processed");
	# pgbench reports failed transactions from 15 on; before, a failed
	# transaction ends its client, and fewer than $total are processed
	if (pg_major($node) >= 15)
	{
		like($out, qr/^number of failed transactions: 0 /m,
			"$label: no failed transaction");
	}
	else
	{
		unlike($out, qr/aborted|failed/,
			"$label: no client aborted (pgbench before 15 reports no failed transactions)");
	}

	my ($tps) = $out =~ /^tps = ([0-9.]+)/m;
	note(sprintf('%s: %d clients x %d transactions on %d rows, %s tps',
			$label, $clients, $transactions, $hot_rows, $tps // '?'));
}

# Per row: id, counter, version, writes applied (all kinds, then echo and
# ORM writes alone), echo rejections, ORM writes that matched no row,
# writes that stated no version.
sub figures
{
	my ($db) = @_;
	my $rows = $node->safe_psql(
		$db, q{
SELECT h.id, h.counter, h.version,
       count(*) FILTER (WHERE l.ok),
       count(*) FILTER (WHERE l.kind = 'echo' AND l.ok),
       count(*) FILTER (WHERE l.kind = 'orm' AND l.ok),
       count(*) FILTER (WHERE l.kind = 'echo' AND NOT l.ok),
       count(*) FILTER (WHERE l.kind = 'orm' AND NOT l.ok),
       count(*) FILTER (WHERE l.kind = 'psql' AND l.ok)
  FROM hot h LEFT JOIN write_log l USING (id)
 GROUP BY h.id ORDER BY h.id});
	my @figures;

	foreach my $line (split /\n/, $rows)
	{
		my %f;
		@f{qw(id counter version applied echo orm rejected missed unstated)} =
		  split /\|/, $line;
		push @figures, \%f;
	}
	is(scalar(@figures), $hot_rows, "$db: $hot_rows hot rows");
	return @figures;
}

sub sum
{
	my ($key, @figures) = @_;
	my $sum = 0;

	$sum += $_->{$key} foreach @figures;
	return $sum;
}

sub report
{
	my ($label, @figures) = @_;

	foreach my $f (@figures)
	{
		note(sprintf(
				'%s: row %d: counter %d, version %d, writes applied %d, '
				  . 'lost %d, echo rejections %d, ORM misses %d, '
				  . 'unstated writes %d',
				$label, $f->{id}, $f->{counter}, $f->{version}, $f->{applied},
				$f->{applied} - $f->{counter}, $f->{rejected}, $f->{missed},
				$f->{unstated}));
	}
	note(sprintf(
			'%s: total: %d transactions, %d writes applied (echo %d, ORM %d, '
			  . 'unstated %d), %d lost, %d echo rejections (40V01), '
			  . '%d ORM misses',
			$label, $total,
			sum('applied', @figures), sum('echo', @figures),
			sum('orm', @figures), sum('unstated', @figures),
			sum('applied', @figures) - sum('counter', @figures),
			sum('rejected', @figures),
			sum('missed', @figures)));
}

# Every attempt was logged, in the transaction of the attempt.
sub all_logged
{
	my ($db, $label) = @_;

	is($node->safe_psql($db, 'SELECT count(*) FROM write_log'),
		$total, "$label: one log entry per transaction");
}

# Every echo rejection is the extension's 40V01 for the row that was
# written, based on the version read, with a newer current version; the
# error fields name the table and the version column.
sub rejections_well_formed
{
	my ($db, $label) = @_;

	note("$label: a rejection: "
		  . $node->safe_psql(
			$db, q{
SELECT concat_ws(' | ', sqlstate, message, detail, hint,
                 schema_name, table_name, column_name)
  FROM write_log WHERE kind = 'echo' AND NOT ok LIMIT 1}));
	is( $node->safe_psql(
			$db, q{
SELECT count(*)
  FROM write_log
 WHERE kind = 'echo' AND NOT ok
   AND (sqlstate = '40V01'
    AND message = 'row in "public.hot" was modified by another transaction'
    AND detail ~ ('^Key \(id\)=\(' || id || '\): the update was based on '
                  || 'version ' || read_version
                  || ', but the current version is [0-9]+\.$')
    AND substring(detail from 'current version is ([0-9]+)')::bigint
        > read_version
    AND hint = 'Re-read the row and apply the change again.'
    AND schema_name = 'public' AND table_name = 'hot'
    AND column_name = 'version') IS NOT TRUE}),
		'0',
		"$label: every rejection is a 40V01 naming the row and both versions");
}

create_database('with_ext', 'rowversion');
create_database('without_ext', 'bigint NOT NULL DEFAULT 1');

is( $node->safe_psql(
		'with_ext', q{
SELECT count(*) FROM pg_trigger
 WHERE tgrelid = 'hot'::regclass AND tgisinternal
   AND tgfoid = 'concurrency.version_trigger'::regproc}),
	'1',
	'with_ext: hot carries the version trigger');
is( $node->safe_psql(
		'without_ext',
		q{SELECT count(*) FROM pg_extension WHERE extname = 'concurrency'}),
	'0',
	'without_ext: no extension');

# --- 1. echo writers with the extension --------------------------------------

run_pgbench('with_ext', 'echo with extension', 'echo_writer.sql');
all_logged('with_ext', 'echo with extension');
rejections_well_formed('with_ext', 'echo with extension');

my @with = figures('with_ext');
report('echo with extension', @with);
foreach my $f (@with)
{
	is($f->{counter}, $f->{applied},
		"echo with extension: row $f->{id}: counter = writes applied");
	is($f->{version}, 1 + $f->{applied},
		"echo with extension: row $f->{id}: version = 1 + writes applied");
}
cmp_ok(sum('rejected', @with), '>', 0,
	'echo with extension: conflicts happened (stale writes rejected)');
is(sum('applied', @with) + sum('rejected', @with),
	$total, 'echo with extension: every transaction applied or rejected');
is(sum('applied', @with) - sum('counter', @with),
	0, 'echo with extension: no update lost');

# --- 2. echo writers without the extension -----------------------------------

run_pgbench('without_ext', 'echo without extension', 'echo_writer.sql');
all_logged('without_ext', 'echo without extension');

my @without = figures('without_ext');
report('echo without extension', @without);
is(sum('applied', @without), $total,
	'echo without extension: every write applied, none rejected');
foreach my $f (@without)
{
	cmp_ok($f->{counter}, '<=', $f->{applied},
		"echo without extension: row $f->{id}: counter <= writes applied");
}
cmp_ok(sum('applied', @without) - sum('counter', @without),
	'>', 0, 'echo without extension: updates were lost');

# --- 3. mixed writers with the extension -------------------------------------

my @mixed_scripts = ('echo_writer.sql', 'orm_writer.sql', 'psql_writer.sql');

reset_rows('with_ext');
run_pgbench('with_ext', 'mixed with extension', @mixed_scripts);
all_logged('with_ext', 'mixed with extension');
rejections_well_formed('with_ext', 'mixed with extension');

my @mixed = figures('with_ext');
report('mixed with extension', @mixed);
foreach my $f (@mixed)
{
	is($f->{counter}, $f->{applied},
		"mixed with extension: row $f->{id}: counter = writes applied");
	is($f->{version}, 1 + $f->{applied},
		"mixed with extension: row $f->{id}: version = 1 + writes applied");
}
cmp_ok(sum('rejected', @mixed), '>', 0,
	'mixed with extension: echo writes rejected');
cmp_ok(sum('missed', @mixed), '>', 0,
	'mixed with extension: ORM writes missed');
cmp_ok(sum('echo', @mixed), '>', 0,
	'mixed with extension: echo writes applied');
cmp_ok(sum('orm', @mixed), '>', 0,
	'mixed with extension: ORM writes applied');
cmp_ok(sum('unstated', @mixed), '>', 0,
	'mixed with extension: writes without a version applied');
is(sum('applied', @mixed) + sum('rejected', @mixed) + sum('missed', @mixed),
	$total,
	'mixed with extension: every transaction applied, rejected or missed');
is(sum('applied', @mixed) - sum('counter', @mixed),
	0, 'mixed with extension: no update lost');

# --- 4. mixed writers without the extension ----------------------------------

reset_rows('without_ext');
run_pgbench('without_ext', 'mixed without extension', @mixed_scripts);
all_logged('without_ext', 'mixed without extension');

my @mixed_without = figures('without_ext');
report('mixed without extension', @mixed_without);
cmp_ok(sum('applied', @mixed_without) - sum('counter', @mixed_without),
	'>', 0, 'mixed without extension: updates were lost');
cmp_ok(
	sum('applied', @mixed_without) + $hot_rows - sum('version', @mixed_without),
	'>', 0,
	'mixed without extension: versions moved less than the writes applied');

$node->stop;
done_testing();
