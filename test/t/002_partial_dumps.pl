# Partial dumps: pg_dump -t, -n, -T, -N, --inserts, --column-inserts, and
# pg_restore -t / -n of a custom dump.  Each restores without a single
# error, and each restored table has its own options and is enforced.
#
# The options are the default of the version column (a call of
# concurrency.options()), so they are part of the table's CREATE TABLE and
# come with whatever part of a dump carries the table.  -t and -n dump no
# extension and -t no schema: the target database has them already, as it
# must have any type a dumped table uses.

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

my $tempdir = PostgreSQL::Test::Utils::tempdir;

sub run_tool
{
	my @cmd = @_;
	my ($out, $err) = ('', '');

	IPC::Run::run(\@cmd, '<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return ($? >> 8, $out, $err);
}

# a dump or restore step: exit status 0 and nothing at all on stderr
sub step_ok
{
	my ($label, @cmd) = @_;
	my ($rc, $out, $err) = run_tool(@cmd);

	is($rc, 0, "$label: exit status 0");
	is($err, '', "$label: nothing on stderr");
}

sub fresh_db
{
	my ($db, $with_extension) = @_;

	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION concurrency') if $with_extension;
}

my $tables_sql = 'SELECT * FROM concurrency.tables ORDER BY 1, 2';

# the rows of concurrency.tables of the source for these schema.table names
sub source_tables
{
	my @names = @_;
	my $list = join(', ', map { $node->safe_psql('src', "SELECT quote_literal('$_')") } @names);

	return $node->safe_psql('src',
		"SELECT * FROM concurrency.tables WHERE format('%s.%s', schema_name, table_name) IN ($list) ORDER BY 1, 2"
	);
}

$node->safe_psql(
	'postgres', q{CREATE DATABASE src});
$node->safe_psql(
	'src', q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
CREATE SCHEMA s1;
CREATE SCHEMA s2;
CREATE SCHEMA "Odd Schema";

CREATE TABLE s1.strict_t (id int PRIMARY KEY, a text, version rowversion);
SELECT FROM concurrency.enable('s1.strict_t', strict => true);
INSERT INTO s1.strict_t VALUES (1, 'a', 4);

CREATE TABLE s1.checked (id int PRIMARY KEY, a text, b text, version rowversion);
SELECT FROM concurrency.enable('s1.checked', check_columns => '{a}');
INSERT INTO s1.checked VALUES (1, 'a', 'b', 2);

CREATE TABLE s1.parted (id int, region text, a text, b text, version rowversion,
						PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE s1.parted_eu PARTITION OF s1.parted FOR VALUES IN ('eu');
CREATE TABLE s1.parted_us (id int NOT NULL, region text NOT NULL, a text, b text,
						   version rowversion);
ALTER TABLE s1.parted ATTACH PARTITION s1.parted_us FOR VALUES IN ('us');
SELECT FROM concurrency.enable('s1.parted', check_columns => '{a}', strict => true);
CREATE TABLE s1.parted_asia PARTITION OF s1.parted FOR VALUES IN ('asia');
SELECT FROM concurrency.enable('s1.parted_asia', ignore_columns => '{b}');
INSERT INTO s1.parted VALUES (1, 'eu', 'a', 'b', 3), (2, 'us', 'a', 'b', 3), (3, 'asia', 'a', 'b', 3);

CREATE TABLE s2.paused (id int PRIMARY KEY, a text, version rowversion);
INSERT INTO s2.paused VALUES (1, 'a', 6);
SELECT FROM concurrency.enable('s2.paused', strict => true);
SELECT FROM concurrency.disable('s2.paused');

CREATE TABLE s2.plain (id int PRIMARY KEY, a text, version rowversion);
INSERT INTO s2.plain VALUES (1, 'a', 8);

-- inheritance: a child with options of its own (here the defaults), and
-- one attached with INHERIT that has none and takes its parent's; pg_dump
-- writes SET DEFAULT NULL for the latter
CREATE TABLE s2.base (id int PRIMARY KEY, a text, version rowversion);
SELECT FROM concurrency.enable('s2.base', strict => true);
CREATE TABLE s2.base_own () INHERITS (s2.base);
SELECT FROM concurrency.enable('s2.base_own');
CREATE TABLE s2.base_joined (id int PRIMARY KEY, a text, version rowversion);
ALTER TABLE s2.base_joined INHERIT s2.base;
INSERT INTO s2.base_own VALUES (1, 'own', 2);
INSERT INTO s2.base_joined VALUES (2, 'joined', 2);

CREATE TABLE "Odd Schema"."Odd ""Tbl""" ("Key" int PRIMARY KEY, "Mixed Case" text,
	"Row Version" rowversion DEFAULT 0, other text);
SELECT FROM concurrency.enable('"Odd Schema"."Odd ""Tbl"""', 'Row Version',
	check_columns => '{"Mixed Case"}', strict => true);
INSERT INTO "Odd Schema"."Odd ""Tbl""" VALUES (1, 'm', 5, 'o');
});

# Enforcement of what a restore brought, one statement per table present:
# each line is "<table> <SQLSTATE or version>".
my %probe = (
	's1.strict_t' => [
		q{UPDATE s1.strict_t SET a = 'x' WHERE id = 1},
		q{UPDATE s1.strict_t SET a = 'x', version = 3 WHERE id = 1},
		q{UPDATE s1.strict_t SET a = 'x', version = 4 WHERE id = 1 RETURNING version}
	],
	's1.checked' => [
		q{UPDATE s1.checked SET b = 'not counted' WHERE id = 1 RETURNING version},
		q{UPDATE s1.checked SET a = 'counted' WHERE id = 1 RETURNING version}
	],
	's1.parted' => [
		q{UPDATE s1.parted SET b = 'x' WHERE id = 1},
		q{UPDATE s1.parted SET a = 'x', version = 2 WHERE id = 2},
		q{UPDATE s1.parted SET a = 'x', version = 3 WHERE id = 2 RETURNING version},
		q{UPDATE s1.parted SET b = 'ignored' WHERE id = 3 RETURNING version}
	],
	's2.paused' => [
		q{UPDATE s2.paused SET a = 'x', version = 1 WHERE id = 1 RETURNING version}
	],
	's2.plain' => [
		q{UPDATE s2.plain SET a = 'x', version = 7 WHERE id = 1},
		q{UPDATE s2.plain SET a = 'x' WHERE id = 1 RETURNING version}
	],
	'"Odd Schema"."Odd ""Tbl"""' => [
		q{UPDATE "Odd Schema"."Odd ""Tbl""" SET other = 'x'},
		q{UPDATE "Odd Schema"."Odd ""Tbl""" SET other = 'x', "Row Version" = 5 RETURNING "Row Version"},
		q{INSERT INTO "Odd Schema"."Odd ""Tbl""" ("Key") VALUES (2) RETURNING "Row Version"}
	]);
$probe{'s2.base'} = [
	q{UPDATE s2.base SET a = 'x' WHERE id = 1 RETURNING version},
	q{UPDATE s2.base SET a = 'x' WHERE id = 2}
];
my %answer = (
	's2.base' => "3\n23V01",
	's1.strict_t' => "23V01\n40V01\n5",
	's1.checked' => "2\n3",
	's1.parted' => "23V01\n40V01\n4\n3",
	's2.paused' => "1",
	's2.plain' => "40V01\n9",
	'"Odd Schema"."Odd ""Tbl"""' => "23V01\n5\n0");

# Run each probe in its own transaction, rolled back, so that every
# restored database is probed from the same rows.
sub enforced_ok
{
	my ($db, $label, @tables) = @_;

	foreach my $table (@tables)
	{
		my @got;
		foreach my $sql (@{ $probe{$table} })
		{
			# one -c each: psql before 15 shows only the last result of a
			# multi-statement -c
			my ($rc, $out, $err) = run_tool('psql', '-XAtq', '-d', $node->connstr($db),
				'-c', 'BEGIN', '-c', $sql, '-c', 'ROLLBACK');
			if ($err =~ /ERROR:  (?:row in|update of) .*\n/)
			{
				push @got, $err =~ /was modified/ ? '40V01' : '23V01';
			}
			elsif ($err ne '')
			{
				push @got, "unexpected: $err";
			}
			else
			{
				chomp $out;
				$out =~ s/\nUPDATE \d+|\nINSERT \d+ \d+//;
				push @got, $out;
			}
		}
		is(join("\n", @got), $answer{$table}, "$label: $table is enforced with its options");
	}
	is($node->safe_psql($db, 'SELECT count(*) FROM concurrency.verify()'),
		'0', "$label: concurrency.verify() finds nothing");
}

enforced_ok('src', 'source', sort keys %probe);

my @s1 = ('s1.checked', 's1.parted', 's1.parted_asia', 's1.parted_eu', 's1.parted_us', 's1.strict_t');
my @s2 = ('s2.base', 's2.base_joined', 's2.base_own', 's2.paused', 's2.plain');
my @odd = ('Odd Schema.Odd "Tbl"');

# --- pg_dump -t, into a database that has the extension ------------------

my $dump = "$tempdir/t.sql";
step_ok('pg_dump -t', 'pg_dump', '-d', $node->connstr('src'), '-t', 's1.strict_t',
	'-t', '"Odd Schema"."Odd ""Tbl"""', '-f', $dump);
fresh_db('r_t', 1);
$node->safe_psql('r_t', 'CREATE SCHEMA s1; CREATE SCHEMA "Odd Schema"');
step_ok('-t restore', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d',
	$node->connstr('r_t'), '-f', $dump);
is($node->safe_psql('r_t', $tables_sql), source_tables('s1.strict_t', @odd),
	'-t restore: the tables have their options');
enforced_ok('r_t', '-t restore', 's1.strict_t', '"Odd Schema"."Odd ""Tbl"""');

# a partitioned table and its partitions, by pattern
step_ok('pg_dump -t pattern', 'pg_dump', '-d', $node->connstr('src'), '-t', 's1.parted*',
	'-f', $dump);
fresh_db('r_t_parted', 1);
$node->safe_psql('r_t_parted', 'CREATE SCHEMA s1');
step_ok('-t pattern restore', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d',
	$node->connstr('r_t_parted'), '-f', $dump);
is( $node->safe_psql('r_t_parted', $tables_sql),
	source_tables('s1.parted', 's1.parted_asia', 's1.parted_eu', 's1.parted_us'),
	'-t pattern restore: each partition has its options');
enforced_ok('r_t_parted', '-t pattern restore', 's1.parted');

# --- pg_dump -n ------------------------------------------------------------

step_ok('pg_dump -n', 'pg_dump', '-d', $node->connstr('src'), '-n', 's1', '-f', $dump);
fresh_db('r_n', 1);
step_ok('-n restore', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d',
	$node->connstr('r_n'), '-f', $dump);
is($node->safe_psql('r_n', $tables_sql), source_tables(@s1),
	'-n restore: the schema\'s tables have their options');
enforced_ok('r_n', '-n restore', 's1.strict_t', 's1.checked', 's1.parted');

# --- pg_dump -N and -T: the extension comes with the dump ------------------

step_ok('pg_dump -N', 'pg_dump', '-d', $node->connstr('src'), '-N', 's2', '-f', $dump);
fresh_db('r_excl_schema', 0);
step_ok('-N restore', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d',
	$node->connstr('r_excl_schema'), '-f', $dump);
is($node->safe_psql('r_excl_schema', $tables_sql), source_tables(@s1, @odd),
	'-N restore: every table restored has its options');
enforced_ok('r_excl_schema', '-N restore', 's1.strict_t', 's1.checked', 's1.parted',
	'"Odd Schema"."Odd ""Tbl"""');

step_ok('pg_dump -T', 'pg_dump', '-d', $node->connstr('src'), '-T', 's1.checked',
	'-T', 's2.plain', '-f', $dump);
fresh_db('r_excl_table', 0);
step_ok('-T restore', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d',
	$node->connstr('r_excl_table'), '-f', $dump);
is( $node->safe_psql('r_excl_table', $tables_sql),
	source_tables(grep { $_ ne 's1.checked' } @s1, grep { $_ ne 's2.plain' } @s2, @odd),
	'-T restore: every table restored has its options');
enforced_ok('r_excl_table', '-T restore', 's1.strict_t', 's1.parted', 's2.base', 's2.paused',
	'"Odd Schema"."Odd ""Tbl"""');

# --- --inserts and --column-inserts ----------------------------------------

foreach my $mode ('--inserts', '--column-inserts')
{
	my $db = $mode eq '--inserts' ? 'r_inserts' : 'r_colinserts';

	step_ok("pg_dump $mode", 'pg_dump', '-d', $node->connstr('src'), $mode, '-f', $dump);
	fresh_db($db, 0);
	step_ok("$mode restore", 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d',
		$node->connstr($db), '-f', $dump);
	is($node->safe_psql($db, $tables_sql), $node->safe_psql('src', $tables_sql),
		"$mode restore: every table has its options");
	enforced_ok($db, "$mode restore", sort keys %probe);
}

# --- pg_restore -t and -n of a custom dump ---------------------------------

my $custom = "$tempdir/custom.dump";
step_ok('pg_dump -Fc', 'pg_dump', '-d', $node->connstr('src'), '-Fc', '-f', $custom);

fresh_db('r_restore_t', 1);
$node->safe_psql('r_restore_t', 'CREATE SCHEMA s1');
step_ok('pg_restore -t', 'pg_restore', '--exit-on-error', '-d',
	$node->connstr('r_restore_t'), '-n', 's1', '-t', 'strict_t', $custom);
is($node->safe_psql('r_restore_t', $tables_sql), source_tables('s1.strict_t'),
	'pg_restore -t: the table has its options');
enforced_ok('r_restore_t', 'pg_restore -t', 's1.strict_t');

fresh_db('r_restore_n', 1);
$node->safe_psql('r_restore_n', 'CREATE SCHEMA s2');
step_ok('pg_restore -n', 'pg_restore', '--exit-on-error', '-d',
	$node->connstr('r_restore_n'), '-n', 's2', $custom);
is($node->safe_psql('r_restore_n', $tables_sql), source_tables(@s2),
	'pg_restore -n: the tables have their options');
enforced_ok('r_restore_n', 'pg_restore -n', 's2.base', 's2.paused', 's2.plain');

$node->stop;
done_testing();
