// Optimistic locking with the concurrency extension, from JDBC (pgJDBC).
//
// Connects over TCP to PGHOST_TCP (default 127.0.0.1), PGPORT, PGUSER and
// PGDATABASE, to a database where CREATE EXTENSION concurrency has been
// run, and shows:
//
// 1. a stale write refused with SQLSTATE 40V01: PSQLException, its
//    SQLSTATE, and the server's fields (schema, table, column, DETAIL,
//    HINT) from getServerErrorMessage(); Spring maps SQLSTATE class 40 to
//    ConcurrencyFailureException;
// 2. the protocol of Hibernate / JPA @Version: SET version = old + 1 WHERE
//    id = ? AND version = old.  The database keeps the stated version, and
//    after an edit made by another connection the same statement updates
//    no row, which Hibernate turns into OptimisticLockException.
//
// Creates its own table and drops it at the end.  Exits non-zero if
// anything turns out differently from what is printed.

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

public class JdbcExample {
	static final String TABLE = "jdbc_documents";

	static void show(String who, String text) {
		System.out.printf("  %-6s %s%n", who, text);
	}

	static void check(boolean condition, String what) {
		if (!condition) {
			System.out.println("FAIL: " + what);
			System.exit(1);
		}
		System.out.println("  ok: " + what);
	}

	static Connection connect() throws SQLException {
		String host = System.getenv().getOrDefault("PGHOST_TCP", "127.0.0.1");
		String port = System.getenv().getOrDefault("PGPORT", "5432");
		String db = System.getenv().getOrDefault("PGDATABASE", "postgres");
		Properties props = new Properties();
		props.setProperty("user", System.getenv().getOrDefault("PGUSER", "postgres"));
		if (System.getenv("PGPASSWORD") != null)
			props.setProperty("password", System.getenv("PGPASSWORD"));
		String options = System.getenv("PGOPTIONS");
		if (options != null)
			props.setProperty("options", options);
		return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + db, props);
	}

	static String stored(Connection c, int id) throws SQLException {
		try (PreparedStatement ps = c.prepareStatement(
				"SELECT title, version FROM " + TABLE + " WHERE id = ?")) {
			ps.setInt(1, id);
			try (ResultSet rs = ps.executeQuery()) {
				rs.next();
				return rs.getString(1) + "@" + rs.getLong(2);
			}
		}
	}

	// An echo of the version read: the write of a grid, a form, a plain save.
	static int echo(Connection c, int id, String title, long version) throws SQLException {
		try (PreparedStatement ps = c.prepareStatement(
				"UPDATE " + TABLE + " SET title = ?, version = ? WHERE id = ?")) {
			ps.setString(1, title);
			ps.setLong(2, version);
			ps.setInt(3, id);
			return ps.executeUpdate();
		}
	}

	// What Hibernate sends for an entity with @Version.
	static int hibernateStyle(Connection c, int id, String title, long version) throws SQLException {
		try (PreparedStatement ps = c.prepareStatement(
				"UPDATE " + TABLE + " SET title = ?, version = ? WHERE id = ? AND version = ?")) {
			ps.setString(1, title);
			ps.setLong(2, version + 1);
			ps.setInt(3, id);
			ps.setLong(4, version);
			show("jdbc", "UPDATE " + TABLE + " SET title = '" + title + "', version = " + (version + 1)
					+ " WHERE id = " + id + " AND version = " + version);
			int count = ps.executeUpdate();
			show("", "-> " + count + " row(s)");
			return count;
		}
	}

	public static void main(String[] args) throws Exception {
		try (Connection app = connect(); Connection other = connect()) {
			try (Statement st = app.createStatement()) {
				st.execute("DROP TABLE IF EXISTS " + TABLE);
				st.execute("CREATE TABLE " + TABLE + " (id int PRIMARY KEY, title text NOT NULL, "
						+ "version rowversion)");
				// Hibernate starts a primitive @Version at 0
				st.execute("INSERT INTO " + TABLE + " VALUES (1, 'draft', 0)");
			}
			try {
				run(app, other);
			} finally {
				try (Statement st = app.createStatement()) {
					st.execute("DROP TABLE IF EXISTS " + TABLE);
				}
			}
		}
		System.out.println("\nJDBC example: all checks passed");
	}

	static void run(Connection app, Connection other) throws SQLException {
		System.out.println("\n== 1. A stale write: PSQLException with SQLSTATE 40V01\n");
		check(stored(app, 1).equals("draft@0"), "a row inserted at version 0 keeps it");
		check(echo(other, 1, "first edit", 0) == 1 && stored(app, 1).equals("first edit@1"),
				"another writer echoes version 0: written, the version moves to 1");
		try {
			echo(app, 1, "stale edit", 0);
			check(false, "the stale echo is refused");
		} catch (PSQLException e) {
			ServerErrorMessage m = e.getServerErrorMessage();
			show("jdbc", "-> " + e.getSQLState() + " " + m.getMessage());
			show("", "   detail: " + m.getDetail());
			check("40V01".equals(e.getSQLState()), "getSQLState() is 40V01 (class 40: Spring's ConcurrencyFailureException)");
			check("public".equals(m.getSchema()) && TABLE.equals(m.getTable()) && "version".equals(m.getColumn()),
					"getServerErrorMessage() names the schema, the table and the column");
			check("Key (id)=(1): the update was based on version 0, but the current version is 1.".equals(m.getDetail())
					&& "Re-read the row and apply the change again.".equals(m.getHint()),
					"and gives the DETAIL with the key and both versions, and the HINT");
		}
		check(stored(app, 1).equals("first edit@1"), "nothing of the stale write was written");

		System.out.println("\n== 2. Hibernate's @Version protocol\n");
		check(hibernateStyle(app, 1, "hibernate edit", 1) == 1 && stored(app, 1).equals("hibernate edit@2"),
				"the stated next version is kept: the version moves once, to 2");
		show("other", "UPDATE " + TABLE + " SET title = 'edited elsewhere' WHERE id = 1");
		try (Statement st = other.createStatement()) {
			st.executeUpdate("UPDATE " + TABLE + " SET title = 'edited elsewhere' WHERE id = 1");
		}
		check(stored(app, 1).equals("edited elsewhere@3"),
				"a write that does not mention the version moves it to 3");
		check(hibernateStyle(app, 1, "lost?", 2) == 0,
				"Hibernate's next save of what it read at version 2 updates no row (OptimisticLockException)");
		check(stored(app, 1).equals("edited elsewhere@3"), "the other edit is kept");
	}
}
