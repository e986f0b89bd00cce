# ConcurrencyTestCompat: the differences between the PostgreSQL::Test
# modules of the PostgreSQL majors and minors the TAP tests run on, mapped
# once, as compat.h does for the C code.  A test that uses a background
# psql session says "use ConcurrencyTestCompat;".
#
# - BackgroundPsql::query() (and query_safe(), which calls it) of some
#   releases (16.2 among them) leaves a newline at the end of the output;
#   later releases take it off.  Here it is always taken off.
# - pg_major($node): the node's major version as a number.  Comparing
#   pg_version itself puts a beta (17beta2) below its major.
# - pg_config_of($node, $option): what pg_config says for the node's
#   installation.  The PostgreSQL::Test::Cluster of 14 (a layer over
#   PostgresNode) has neither config_data() nor pg_version(); there, the
#   pg_config first on PATH, the installation under test, answers.

package ConcurrencyTestCompat;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::BackgroundPsql;

our @EXPORT = qw(pg_major pg_config_of);

sub pg_config_of
{
	my ($node, $option) = @_;

	return $node->config_data($option) if $node->can('config_data');

	my $value = `pg_config $option`;
	die "pg_config $option failed" if $? != 0;
	chomp $value;
	return $value;
}

sub pg_major
{
	my ($node) = @_;
	my $version =
	  $node->can('pg_version')
	  ? '' . $node->pg_version
	  : pg_config_of($node, '--version');
	my ($major) = $version =~ /(\d+)/;

	return $major;
}

{
	no warnings 'redefine';
	my $query = \&PostgreSQL::Test::BackgroundPsql::query;

	*PostgreSQL::Test::BackgroundPsql::query = sub {
		my @result = $query->(@_);

		$result[0] =~ s/\n\z// if defined $result[0];
		return wantarray ? @result : $result[0];
	};
}

1;
