package io.streamcast.producer.jobs;

import io.streamcast.core.ApiError;
import io.streamcast.core.InvalidRequestException;
import io.streamcast.core.StreamAccess;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowStream;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The plain CSV download, {@code GET /exports/{name}.csv?param=..} on the edge port: a named query's
 * rows as RFC 4180 CSV (CRLF line ends, a header line) with chunked transfer encoding, straight from a
 * cursor, with no history. The cursor's stream is paused while the socket's write queue is full and
 * closed (with its transaction, and the connection returned to the pool) as soon as the client goes.
 */
public final class ExportDownload implements Consumer<Router> {

  private static final Logger LOG = Logger.getLogger(ExportDownload.class.getName());
  /** Bytes gathered before a chunk is written: rows are small, a write per row would cost a syscall each. */
  static final int CHUNK_BYTES = 16 * 1024;
  private static final String CRLF = "\r\n";

  private final ExportJobs exports;
  private final StreamAccess access;

  /**
   * @param exports the named queries and the pool
   * @param access token checks (a {@code job_kinds} pattern covering {@code export}, as the export job)
   */
  public ExportDownload(ExportJobs exports, StreamAccess access) {
    this.exports = exports;
    this.access = access;
  }

  @Override
  public void accept(Router router) {
    router.getWithRegex("/exports/([a-z0-9-]{1,64})\\.csv").handler(this::download);
  }

  private void download(RoutingContext ctx) {
    String name = ctx.pathParam("param0");
    ExportQuery query = exports.query(name);
    if (query == null) {
      ctx.fail(new InvalidRequestException(ApiError.NOT_FOUND, "no export '" + name + "'"));
      return;
    }
    Tuple params;
    try {
      // checked before a connection is taken: a bad value is a 400 before any byte, never a reset mid-file
      params = query.bind(ctx.queryParam("param"));
    } catch (IllegalArgumentException e) {
      ctx.fail(new InvalidRequestException(ApiError.BAD_PARAMETER, "export '" + name + "': " + e.getMessage()
          + " ('param' query parameters, one per $n in order)"));
      return;
    }
    int fetch;
    try {
      String f = ctx.queryParams().get("fetch");
      fetch = f == null ? ExportJobs.DEFAULT_FETCH : Integer.parseInt(f);
      if (fetch < 1 || fetch > 10_000) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      ctx.fail(new InvalidRequestException(ApiError.BAD_PARAMETER, "'fetch' must be a whole number 1-10000"));
      return;
    }
    int rowsPerRead = fetch;
    String sql = query.statement();
    access.check(ctx.request(), "export", StreamAccess.Action.START_JOB)
        .compose(grant -> exports.pool().getConnection())
        .onFailure(ctx::fail)
        .onSuccess(conn -> new Transfer(ctx.response(), conn).start(sql, params, rowsPerRead, ctx));
  }

  /** One download: its connection, transaction and cursor, released once. */
  private static final class Transfer {
    final HttpServerResponse response;
    final SqlConnection conn;
    Transaction tx;
    RowStream<Row> rows;
    final StringBuilder chunk = new StringBuilder();
    boolean header;
    boolean released;
    long count;

    Transfer(HttpServerResponse response, SqlConnection conn) {
      this.response = response;
      this.conn = conn;
    }

    void start(String sql, Tuple params, int fetch, RoutingContext ctx) {
      // the client may go at any time: the cursor closes then, whatever it was doing
      response.closeHandler(v -> release());
      conn.begin().compose(t -> {
        tx = t;
        return conn.prepare(sql);
      }).onFailure(e -> {
        release();
        ctx.fail(new InvalidRequestException(ApiError.BAD_PARAMETER, "the export could not run: " + e.getMessage()));
      }).onSuccess(ps -> {
        if (released) {
          return;
        }
        response.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/csv; charset=utf-8; header=present")
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        rows = ps.createStream(fetch, params);
        rows.exceptionHandler(this::failed);
        rows.endHandler(v -> {
          flush();
          response.end();
          release();
        });
        rows.handler(this::row);
      });
    }

    void row(Row row) {
      if (!header) {
        Csv.appendHeader(chunk, row, CRLF);
        header = true;
      }
      Csv.appendRow(chunk, row, CRLF);
      count++;
      if (chunk.length() >= CHUNK_BYTES) {
        flush();
        if (response.writeQueueFull()) {
          // the socket is full: the cursor waits (no more rows fetched) until it drains
          rows.pause();
          response.drainHandler(v -> {
            if (!released) {
              rows.resume();
            }
          });
        }
      }
    }

    void flush() {
      if (chunk.length() > 0 && !released) {
        response.write(Buffer.buffer(chunk.toString()));
        chunk.setLength(0);
      }
    }

    void failed(Throwable e) {
      LOG.warning("export download failed after " + count + " rows: " + e);
      if (!response.headWritten()) {
        ApiError.INTERNAL.send(response, "the export failed: " + e.getMessage());
      } else {
        // CSV has no way to say "failed" in-band: a reset tells the client the file is incomplete
        response.reset();
      }
      release();
    }

    void release() {
      if (released) {
        return;
      }
      released = true;
      Future<Void> closed = rows == null ? Future.succeededFuture() : rows.close();
      closed.eventually(() -> tx == null ? Future.succeededFuture() : tx.rollback()).eventually(conn::close);
    }
  }
}
