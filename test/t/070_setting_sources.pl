# Where a relaxing setting comes from decides whose privilege counts.
#
# What only a superuser can set (postgresql.conf, ALTER SYSTEM, the server
# command line) is honoured wherever the current role holds TRIGGER on the
# table: inside the owner's SECURITY DEFINER function, for the owner
# itself.  A role without the privilege is still refused its own writes.
# A role default set for that role, even by a superuser, counts as asked
# for by the session's role: refused inside the owner's function too.
# (SET, PGOPTIONS, role and database defaults by ordinary roles:
# sql/loopholes.sql.)

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('sources');
$node->init;
$node->append_conf('postgresql.conf', "concurrency.increment = off\n");
$node->start;

$node->safe_psql(
	'postgres', q{
SET client_min_messages = warning;
CREATE EXTENSION concurrency;
CREATE ROLE owner_role LOGIN;
CREATE ROLE clerk LOGIN;
GRANT CREATE ON SCHEMA public TO owner_role;
SET ROLE owner_role;
CREATE TABLE acct (id int PRIMARY KEY, a text, v rowversion);
INSERT INTO acct VALUES (1, 'a', 5);
GRANT SELECT, UPDATE ON acct TO clerk;
CREATE FUNCTION acct_save(p_id int, p_a text, p_v bigint) RETURNS bigint
LANGUAGE sql SECURITY DEFINER
AS $$ UPDATE public.acct SET a = p_a, v = p_v WHERE id = p_id RETURNING v $$;
});

sub as_role
{
	my ($role, $sql) = @_;
	my ($rc, $out, $err) =
	  $node->psql('postgres', $sql, extra_params => [ '-U', $role ]);
	$err =~ s/^psql:<stdin>:\d+: //mg;
	return ($out, $err);
}

my ($out, $err) = as_role('clerk',
	q{SELECT current_setting('concurrency.increment'), source FROM pg_settings WHERE name = 'concurrency.increment'});
# the library is not loaded yet in that session: a placeholder, no row
is($out, '', 'postgresql.conf: no pg_settings row before the library loads');

($out, $err) = as_role('clerk',
	q{UPDATE acct SET a = 'clerk' WHERE id = 1 RETURNING v;});
like(
	$err,
	qr/^ERROR:  permission denied to bypass row versioning of table "public\.acct"\nDETAIL:  The setting concurrency\.increment = off needs the TRIGGER privilege on the table\./,
	'postgresql.conf: a role without TRIGGER is refused its own write');

($out, $err) = as_role('clerk',
	q{SELECT acct_save(1, 'through the owner', 5);
SELECT source FROM pg_settings WHERE name = 'concurrency.increment';});
is($err, '', 'postgresql.conf: the owner\'s SECURITY DEFINER function is not refused');
is($out, "5\nconfiguration file",
	'postgresql.conf: honoured there (the echo leaves the version at 5), source is the configuration file');

($out, $err) = as_role('owner_role',
	q{UPDATE acct SET a = 'owner' WHERE id = 1 RETURNING v;});
is($out, '5', 'postgresql.conf: honoured for the owner');

# a superuser's ALTER ROLE ... SET for clerk is clerk's default: refused in
# the owner's function, as the clerk's own would be
$node->safe_psql('postgres', q{ALTER ROLE clerk SET concurrency.enabled = off});
($out, $err) = as_role('clerk', q{SELECT acct_save(1, 'stale', 1);});
like(
	$err,
	qr/^ERROR:  permission denied to bypass row versioning of table "public\.acct"\nDETAIL:  The setting concurrency\.enabled = off needs the TRIGGER privilege on the table\./,
	'role default set by a superuser: refused inside the owner\'s function');

# granted TRIGGER, the same default is honoured
$node->safe_psql('postgres', q{GRANT TRIGGER ON acct TO clerk});
($out, $err) = as_role('clerk', q{SELECT acct_save(1, 'stale but allowed', 1);});
is($err, '', 'role default with TRIGGER granted: no error');
is($node->safe_psql('postgres', q{SELECT a, v FROM acct}),
	'stale but allowed|5',
	'role default with TRIGGER granted: the stale write went through, the version stayed (increment = off)');

$node->stop;
done_testing();
