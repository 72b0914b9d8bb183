package io.streamcast.producer.jobs;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code export} job: rows of a named query, read from PostgreSQL through a cursor of the
 * reactive client and written as CSV lines in events. Queries are named in the node's configuration
 * ({@code --export-queries}); a request names one and gives its parameters, never SQL.
 *
 * <p>Backpressure is the loop itself: the next {@code fetch} rows are read only once the previous
 * ones are in history. Cancellation closes the cursor, ends the transaction the cursor needs and
 * gives the connection back to the pool at once.
 */
public final class ExportJobs {

  /** Rows read from the cursor per event. */
  static final int DEFAULT_FETCH = 200;
  private final Pool pool;
  private final Map<String, ExportQuery> queries;
  private final int poolSize;

  private ExportJobs(Pool pool, Map<String, ExportQuery> queries, int poolSize) {
    this.pool = pool;
    this.queries = queries;
    this.poolSize = poolSize;
  }

  /**
   * @param vertx the node's Vert.x
   * @param url a PostgreSQL URL, {@code postgresql://user:password@host:port/db}
   * @param queries named queries ({@link #parseQueries})
   * @param poolSize connections at most (also the most exports one node runs at once)
   * @return the export kind's backing: a connection pool, which closes with {@code vertx}
   */
  public static ExportJobs create(Vertx vertx, String url, Map<String, ExportQuery> queries, int poolSize) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize))
        .connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    return new ExportJobs(pool, Map.copyOf(queries), poolSize);
  }

  /**
   * Parses {@code --export-queries}: {@code name=SQL} or {@code name(type, ..)=SQL} entries (see {@link
   * ExportQuery}) separated by {@code ;} (a cursor runs one statement, so a {@code ;} never belongs
   * inside one).
   */
  public static Map<String, ExportQuery> parseQueries(String spec) {
    Map<String, ExportQuery> out = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return out;
    }
    for (String entry : spec.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      ExportQuery q = eq < 0 || entry.substring(eq + 1).isBlank() ? null
          : ExportQuery.parse(entry.substring(0, eq), entry.substring(eq + 1).trim());
      if (q == null || !JobKind.validName(q.name())) {
        throw new IllegalArgumentException("--export-queries entries are name=SQL or name(type, ..)=SQL with a name"
            + " of [a-z0-9-], got '" + entry.trim() + "'");
      }
      out.put(q.name(), q);
    }
    return out;
  }

  /** @return the query named {@code name}, null when none */
  ExportQuery query(String name) {
    return queries.get(name);
  }

  /** @return the pool (tests look at it) */
  public Pool pool() {
    return pool;
  }

  /**
   * {@code export}: parameters {@code query} (a configured name), {@code params} (a JSON array of
   * strings, numbers, booleans or nulls, one per {@code $n} of the query, each of its declared type:
   * see {@link ExportQuery}) and {@code fetch} (rows per
   * event, 1-10,000, default 200). Writes a {@code header} event (the column names as a CSV line),
   * then {@code rows} events (CSV lines, RFC 4180 quoting, {@code \n} after each row: SSE carries
   * line breaks as {@code \n}), then {@code done} with the row count.
   */
  public JobKind kind() {
    return new JobKind("export", poolSize, p -> {
      String name = p.getString("query");
      ExportQuery query = name == null ? null : queries.get(name);
      if (query == null) {
        throw new IllegalArgumentException("'query' must name a configured query: " + queries.keySet());
      }
      // checked here, before any database work: a bad value is the request's 400, not the job's failure
      Tuple params = query.bind(p.getJsonArray("params", new JsonArray()).getList());
      int fetch = BuiltInJobs.bounded(p, "fetch", DEFAULT_FETCH, 1, 10_000);
      return ctx -> run(ctx, query.statement(), params, fetch);
    });
  }

  private Future<Void> run(JobContext ctx, String sql, Tuple params, int fetch) {
    Promise<Void> done = Promise.promise();
    pool.getConnection().onFailure(done::tryFail).onSuccess(conn -> {
      Export export = new Export(ctx, conn, fetch, done);
      ctx.onCancel(reason -> export.release());
      if (ctx.isCancelled()) {
        return;
      }
      conn.begin()
          .compose(tx -> {
            export.tx = tx;
            return conn.prepare(sql);
          })
          .onFailure(export::failed)
          .onSuccess(ps -> {
            export.cursor = ps.cursor(params);
            export.next();
          });
    });
    return done.future();
  }

  /** One export's cursor, transaction and connection. */
  private static final class Export {
    final JobContext ctx;
    final SqlConnection conn;
    final int fetch;
    final Promise<Void> done;
    Transaction tx;
    Cursor cursor;
    long rows;
    boolean header;
    boolean released;

    Export(JobContext ctx, SqlConnection conn, int fetch, Promise<Void> done) {
      this.ctx = ctx;
      this.conn = conn;
      this.fetch = fetch;
      this.done = done;
    }

    void next() {
      if (released) {
        return;
      }
      cursor.read(fetch).onFailure(this::failed).onSuccess(batch -> {
        if (released) {
          return;
        }
        Future<?> written = header ? Future.succeededFuture() : writeHeader(batch);
        header = true;
        StringBuilder csv = new StringBuilder();
        for (Row row : batch) {
          Csv.appendRow(csv, row);
          rows++;
        }
        Future<?> sent = csv.length() == 0 ? written : written.compose(v -> ctx.publish("rows", csv.toString()));
        // the next rows are read only once these are in history: the cursor waits for the stream
        sent.onFailure(this::failed).onSuccess(v -> {
          if (cursor.hasMore()) {
            next();
          } else {
            ctx.publish("done", new JsonObject().put("rows", rows).encode()).onComplete(ar -> {
              release();
              if (ar.succeeded()) {
                done.tryComplete();
              } else {
                done.tryFail(ar.cause());
              }
            });
          }
        });
      });
    }

    Future<?> writeHeader(RowSet<Row> batch) {
      StringBuilder line = new StringBuilder();
      List<String> names = batch.columnsNames();
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          line.append(',');
        }
        Csv.appendField(line, names.get(i));
      }
      return ctx.publish("header", line.append('\n').toString());
    }

    void failed(Throwable e) {
      release();
      done.tryFail(e);
    }

    /** Closes the cursor, ends the transaction, returns the connection to the pool: once, in that order. */
    void release() {
      if (released) {
        return;
      }
      released = true;
      Future<Void> closed = cursor == null ? Future.succeededFuture() : cursor.close();
      closed.eventually(() -> tx == null ? Future.succeededFuture() : tx.rollback())
          .eventually(conn::close);
    }
  }
}
