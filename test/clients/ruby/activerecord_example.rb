#!/usr/bin/env ruby
# frozen_string_literal: true

# Rails optimistic locking (lock_version) on a rowversion column.
#
# Connects with the standard libpq environment (PGHOST, PGPORT, PGUSER,
# PGDATABASE, PGPASSWORD) to a database where `CREATE EXTENSION concurrency`
# has been run, and shows:
#
# 1. Rails' own ActiveRecord::StaleObjectError between two instances of the
#    same record still works with the version column kept by the database;
# 2. an edit made outside Rails (plain SQL that does not mention the version,
#    as in psql or a cron job) now moves the version too, so a Rails instance
#    loaded before it raises StaleObjectError instead of silently
#    overwriting the edit.  Without the extension, that edit would leave the
#    version alone and be lost.
#
# Creates its own table and drops it at the end.  Exits non-zero if
# anything turns out differently from what is printed.
#
# Needs Debian's ruby-activerecord and ruby-pg (ActiveRecord 6.1, pg 1.4).

require 'active_record'
require 'pg'

TABLE = 'rb_documents'

def show(who, text)
  puts format('  %-6s %s', who, text)
end

def result(text)
  puts format('  %-6s   -> %s', '', text)
end

class CheckFailed < StandardError; end

# Print what was checked; raise (exit status 1, table dropped) if it is not so.
def check(condition, what)
  raise CheckFailed, what unless condition

  puts "  ok: #{what}"
end

ActiveRecord::Base.establish_connection(adapter: 'postgresql') # libpq environment

class Document < ActiveRecord::Base
  self.table_name = TABLE
  # Rails' optimistic locking, on the column the database versions.  Rails
  # saves with UPDATE ... SET version = old + 1 WHERE id = ? AND version = old:
  # the database keeps a stated version above the stored one, and once anyone
  # else has written the row, no row matches and Rails raises
  # ActiveRecord::StaleObjectError.
  self.locking_column = :version
  # Rails starts lock_version at 0 and writes it on INSERT; 0 is a version
  # (section 0 shows it).  This example starts its documents at 1, the
  # database's own default, to keep its numbers.
  attribute :version, :integer, default: 1
end

# The same model as Rails makes it, starting at 0.
class DocumentStartingAtZero < ActiveRecord::Base
  self.table_name = TABLE
  self.locking_column = :version
end

# The statements Rails sends, to show them and check their shape.
$statements = []
ActiveSupport::Notifications.subscribe('sql.active_record') do |*, payload|
  next unless payload[:sql] =~ /\A(INSERT|UPDATE|DELETE)/

  binds = payload[:binds].map { |b| [b.name, b.value_for_database] }
  $statements << { sql: payload[:sql], binds: binds }
  show('rails', "#{payload[:sql]}  [#{binds.map { |name, value| "#{name}=#{value.inspect}" }.join(', ')}]")
end

# Edit a title through Rails; return the StaleObjectError raised, or nil.
def save_title(record, title)
  record.update!(title: title)
  result("saved, version=#{record.version}")
  nil
rescue ActiveRecord::StaleObjectError => e
  result("#{e.class}: #{e.message}")
  e
end

# The UPDATE Rails sent last: SET version = old + 1 WHERE id AND version = old.
def check_last_update_shape(old_version)
  binds = $statements.last[:binds]
  check($statements.last[:sql].start_with?(%(UPDATE "#{TABLE}" SET)) &&
        binds.count { |name, _| name == 'version' } == 2 &&
        binds.select { |name, _| name == 'version' }.map(&:last) == [old_version + 1, old_version],
        "Rails' UPDATE set version = #{old_version + 1} WHERE version = #{old_version}")
end

conn = ActiveRecord::Base.connection
# A session of its own for the edits made outside Rails.
psql = PG.connect

begin
  puts "connected to database '#{conn.current_database}' as '#{psql.user}'"
  conn.execute("DROP TABLE IF EXISTS #{TABLE}")
  conn.execute("CREATE TABLE #{TABLE} (id bigserial PRIMARY KEY, title text NOT NULL, version rowversion)")

  puts "\n== 0. Rails' lock_version starts at 0, and 0 is a version\n\n"
  show('rails', "zero = DocumentStartingAtZero.create!(title: 'draft')")
  zero = DocumentStartingAtZero.create!(title: 'draft')
  stored = psql.exec_params("SELECT version FROM #{TABLE} WHERE id = $1", [zero.id]).getvalue(0, 0).to_i
  check(zero.version.zero? && stored.zero?, 'Rails inserts version 0 and the database keeps it')
  show('rails', "zero.update!(title: 'edited')")
  check(save_title(zero, 'edited').nil? && zero.version == 1, 'the first save moves it to 1')
  check_last_update_shape(0)
  stored = psql.exec_params("SELECT version FROM #{TABLE} WHERE id = $1", [zero.id]).getvalue(0, 0).to_i
  check(stored == 1, 'the database holds version 1, moved once')
  conn.execute("DELETE FROM #{TABLE}")

  puts "\n== 1. Two Rails instances of the same record\n\n"
  show('rails', "doc = Document.create!(title: 'draft')")
  doc = Document.create!(title: 'draft')
  check(doc.version == 1 && doc.version.is_a?(Integer), 'a new record is at version 1 (an Integer)')

  show('rails', 'a = Document.find(id); b = Document.find(id)')
  a = Document.find(doc.id)
  b = Document.find(doc.id)
  result("a.version=#{a.version} b.version=#{b.version}")

  show('rails', "a.update!(title: 'first edit')")
  check(save_title(a, 'first edit').nil? && a.version == 2, 'a is saved at version 2')
  check_last_update_shape(1)

  show('rails', "b.update!(title: 'second edit')   # b still holds version 1")
  error = save_title(b, 'second edit')
  check(error.is_a?(ActiveRecord::StaleObjectError), 'b raises ActiveRecord::StaleObjectError')
  check_last_update_shape(1)
  check(Document.find(doc.id).slice(:title, :version) == { 'title' => 'first edit', 'version' => 2 },
        "the row keeps a's edit at version 2")

  puts "\n== 2. An edit outside Rails is detected by Rails\n\n"
  show('rails', 'b.reload   # b is current again')
  b.reload
  result("title=#{b.title.inspect} version=#{b.version}")

  sql = "UPDATE #{TABLE} SET title = 'fixed in psql' WHERE id = #{doc.id} RETURNING version"
  show('psql', sql)
  psql_version = psql.exec(sql).getvalue(0, 0).to_i
  result("version=#{psql_version}")
  check(psql_version == 3, 'the database moved the version to 3, though the statement did not mention it')

  show('rails', "b.update!(title: 'third edit')   # b holds version 2")
  error = save_title(b, 'third edit')
  check(error.is_a?(ActiveRecord::StaleObjectError), 'b raises ActiveRecord::StaleObjectError')
  check_last_update_shape(2)
  check(Document.find(doc.id).slice(:title, :version) == { 'title' => 'fixed in psql', 'version' => 3 },
        'the edit made in psql is kept')

  # What to do about it: reload and apply the change again.
  show('rails', "b.reload; b.update!(title: 'third edit')")
  b.reload
  check(save_title(b, 'third edit').nil?, 'after a reload the save succeeds')
  check_last_update_shape(3)
  row = psql.exec("SELECT title, version FROM #{TABLE} WHERE id = #{doc.id}")[0]
  check(row == { 'title' => 'third edit', 'version' => '4' }, 'the row has the third edit at version 4')

  puts "\nActiveRecord example: all checks passed"
rescue CheckFailed => e
  puts "FAIL: #{e.message}"
  exit 1
ensure
  conn.execute("DROP TABLE IF EXISTS #{TABLE}")
  psql.close
end
