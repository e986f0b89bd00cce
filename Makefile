# concurrency: PGXS build
#
# The version comes from concurrency.control alone; everything else follows.

EXTENSION = concurrency
EXTVERSION = $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big = concurrency
OBJS = src/concurrency.o src/extension.o src/settings.o src/table_info.o src/version_trigger.o \
	src/conflict.o src/ddl.o src/stats.o src/fast_path.o

# Install and upgrade scripts live at the top of the tree, beside the
# control file: concurrency--X.Y.sql and concurrency--X.Y--X.Z.sql.
DATA = $(wildcard $(EXTENSION)--*.sql)

# install runs first: it creates the extension and the suites' helpers
REGRESS = install $(filter-out install,$(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=.

ISOLATION = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=test/isolation/output_iso

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# the TAP tests' own module (after PGXS, which sets PROVE_FLAGS itself)
PROVE_FLAGS += -I test/t/lib

# A header change rebuilds every object (PGXS tracks no dependencies
# unless PostgreSQL was configured with --enable-depend).
$(OBJS): $(wildcard src/*.h)

.PHONY: version
version:
	@echo $(EXTVERSION)

# One suite at a time, for test/run.sh (installcheck runs them all).
# Conflict statistics need a server that loads the library at start
# (shared_preload_libraries = 'concurrency'): their suites run against such
# a cluster (test/run.sh starts one), in databases of their own.  (Not into
# test/stats/output: pg_regress of 14 reads INPUTDIR/output as sources.)
STATS_REGRESS = $(patsubst test/stats/sql/%.sql,%,$(sort $(wildcard test/stats/sql/*.sql)))
STATS_ISOLATION = $(patsubst test/stats/specs/%.spec,%,$(sort $(wildcard test/stats/specs/*.spec)))

.PHONY: installcheck-regress-only installcheck-isolation-only installcheck-tap-only installcheck-stats-only
installcheck-regress-only:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)
installcheck-isolation-only:
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)
installcheck-tap-only:
	$(prove_installcheck)
installcheck-stats-only:
	$(pg_regress_installcheck) --inputdir=test/stats --outputdir=test/stats/out \
		--dbname=concurrency_stats $(STATS_REGRESS)
	$(pg_isolation_regress_installcheck) --inputdir=test/stats --outputdir=test/stats/output_iso \
		--dbname=concurrency_stats_iso $(STATS_ISOLATION)

# PGXN release archive: dist/concurrency-<version>.zip, with every file under
# a top-level concurrency-<version>/ directory.  It is made with git archive
# from HEAD, so commit first; .gitattributes lists what stays out.  The
# version is default_version from the control file written as a semantic
# version (1.0 becomes 1.0.0), the one META.json must state.
DISTVERSION = $(shell echo '$(EXTVERSION)' | sed 's/^[0-9]*\.[0-9]*$$/&.0/')
DISTNAME = $(EXTENSION)-$(DISTVERSION)
DISTFILE = dist/$(DISTNAME).zip

.PHONY: dist
dist:
	@git diff --quiet HEAD -- || echo "warning: uncommitted changes are not in $(DISTFILE)" >&2
	@mkdir -p dist
	git archive --format zip --prefix=$(DISTNAME)/ --output $(DISTFILE).tmp HEAD
	python3 test/packaging/check_meta.py $(DISTFILE).tmp || { rm -f $(DISTFILE).tmp; exit 1; }
	@mv $(DISTFILE).tmp $(DISTFILE)
	@echo "$(DISTFILE)"
