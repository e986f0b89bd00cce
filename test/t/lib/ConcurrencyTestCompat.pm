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

package ConcurrencyTestCompat;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::BackgroundPsql;

our @EXPORT = qw(pg_major);

sub pg_major
{
	my ($node) = @_;
	my ($major) = ('' . $node->pg_version) =~ /^(\d+)/;

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
