package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.SseEvent;
import io.streamcast.producer.StreamWriter;
import io.streamcast.producer.jobs.JobKind;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Jobs (issue 12) on a real 2-node cluster, over real HTTP, with a real PostgreSQL: an export
 * streamed to its end, cancellation by {@code DELETE} and by nobody listening (with the cursor
 * closed and the connection back in the pool, seen in {@code pg_stat_activity}), a failing job, a
 * user-defined kind resumed on the other node, and the API's errors.
 */
@ExtendWith(VertxExtension.class)
class JobsTest {

  private static final int ROWS = 2_000;
  /** The download's table (Done-when 2 of issue 12). */
  private static final int BIG_ROWS = 1_000_000;
  private static TestPostgres pg;
  private static TestCluster cluster;
  private static Vertx vertx;
  private static HttpClient http;
  private static Pool db;
  private static final java.net.http.HttpClient JDK = java.net.http.HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    pg = TestPostgres.start();
    vertx = Vertx.vertx();
    http = LoopHttpClient.create(vertx);
    db = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(PgConnectOptions.fromUri(pg.url())).using(vertx).build();
    // values that CSV must quote or keep apart: commas, quotes, line breaks, nulls, empty text, non-ASCII
    await(db.query("CREATE TABLE people (id int PRIMARY KEY, name text, note text)").execute());
    await(db.query("INSERT INTO people SELECT i, 'name ' || i || ' é漢', CASE WHEN i % 7 = 0 THEN NULL"
        + " WHEN i % 5 = 0 THEN 'a,\"b\"' || E'\\n' || 'c' WHEN i % 11 = 0 THEN '' ELSE 'plain' END"
        + " FROM generate_series(1, " + ROWS + ") i").execute());
    await(db.query("CREATE TABLE big (id int, name text, note text)").execute());
    await(db.query("INSERT INTO big SELECT i, 'name ' || i || ' é漢', CASE WHEN i % 7 = 0 THEN NULL"
        + " WHEN i % 5 = 0 THEN 'a,\"b\"' || E'\\n' || 'c' WHEN i % 11 = 0 THEN '' WHEN i % 13 = 0 THEN E'x\\r\\ny'"
        + " ELSE 'plain' END FROM generate_series(1, " + BIG_ROWS + ") i").execute());
    cluster = TestCluster.start(2, Map.of(
        NodeFlag.PG_URL, pg.url(),
        NodeFlag.PG_POOL_SIZE, "2",
        NodeFlag.EXPORT_QUERIES, "people(int)=SELECT id, name, note FROM people WHERE id > $1 ORDER BY id;"
            + "endless=SELECT generate_series(1, 100000000) AS i;"
            + "big(int)=SELECT id, name, note FROM big WHERE id >= $1 ORDER BY id;"
            + "typed(bigint, date, boolean, uuid, text)=SELECT $1 AS n, $2 AS d, $3 AS b, $4 AS u, $5 AS t",
        NodeFlag.JOB_IDLE_CANCEL_SECONDS, "3"));
  }

  @AfterAll
  static void stop() {
    TestCluster.close(cluster, vertx);
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void anExportStreamsEveryRowInOrderThenCompletes() throws Exception {
    JsonObject job = post(0, "export", new JsonObject().put("query", "people").put("params", List.of(0))
        .put("fetch", 150), 201);
    assertTrue(job.getString("url").startsWith("/streams/job."), job.encode());
    // read it on the other node than the one that took the request
    SseProbe probe = TestCluster.await(SseProbe.open(vertx, http, cluster.edge(1) + job.getString("url")));
    TestCluster.await(probe.awaitType("complete", 30_000));
    StringBuilder csv = new StringBuilder();
    for (SseEvent e : probe.events) {
      if (e.type().equals("header") || e.type().equals("rows")) {
        csv.append(e.data());
      }
    }
    List<List<String>> parsed = CsvReader.parse(csv.toString());
    List<List<String>> expected = new ArrayList<>();
    expected.add(java.util.Arrays.asList("id", "name", "note"));
    for (Row r : await(db.query("SELECT id, name, note FROM people ORDER BY id").execute())) {
      expected.add(java.util.Arrays.asList(r.getValue(0).toString(), r.getString(1), r.getString(2)));
    }
    assertEquals(ROWS + 1, parsed.size());
    assertEquals(expected, parsed);
    JsonObject done = new JsonObject(probe.events.stream().filter(e -> e.type().equals("done")).findFirst()
        .orElseThrow().data());
    assertEquals(ROWS, done.getInteger("rows"));
    JsonObject record = get(1, "/jobs/" + job.getString("job"), 200);
    assertEquals("completed", record.getString("state"), record.encode());
    assertNotNull(record.getString("ended"));
    awaitTrue(() -> busyBackends() == 0, 10_000, "connection not back in the pool");
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void deleteStopsAnExportAndReleasesItsCursorAndConnection() throws Exception {
    JsonObject job = post(1, "export", new JsonObject().put("query", "endless").put("fetch", 1), 201);
    SseProbe probe = TestCluster.await(SseProbe.open(vertx, http, cluster.edge(0) + job.getString("url")));
    TestCluster.await(probe.awaitDataEvents(20, 20_000));
    assertEquals(1, busyBackends(), "the export's cursor holds a transaction open");
    JsonObject cancelled = request("DELETE", 0, "/jobs/" + job.getString("job"), null, 200);
    assertEquals("cancelled", cancelled.getString("state"), cancelled.encode());
    SseEvent error = TestCluster.await(probe.awaitType("error", 10_000));
    assertEquals("job_cancelled", new JsonObject(error.data()).getString("error"));
    TestCluster.await(probe.awaitEnd(10_000));
    awaitTrue(() -> busyBackends() == 0, 10_000, "cursor still open after DELETE");
    // the connection went back to the pool (not closed): the pool's connection is idle, and a new export runs
    assertTrue(idleBackends() >= 1);
    JsonObject again = post(0, "export", new JsonObject().put("query", "people").put("params", List.of(ROWS - 5)), 201);
    SseProbe second = TestCluster.await(SseProbe.open(vertx, http, cluster.edge(0) + again.getString("url")));
    TestCluster.await(second.awaitType("complete", 20_000));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void aJobWhoseOnlyClientLeftIsCancelledAndReleasesItsConnection() throws Exception {
    JsonObject job = post(0, "export", new JsonObject().put("query", "endless").put("fetch", 1), 201);
    SseProbe probe = TestCluster.await(SseProbe.open(vertx, http, cluster.edge(1) + job.getString("url")));
    TestCluster.await(probe.awaitDataEvents(5, 20_000));
    // the count is flushed once a second: the info shows it across the cluster
    awaitTrue(() -> info(0, job.getString("stream")).getInteger("subscribers") == 1, 5_000, "subscriber not counted");
    long left = System.currentTimeMillis();
    probe.close();
    awaitTrue(() -> !"running".equals(get(0, "/jobs/" + job.getString("job"), 200).getString("state")), 20_000,
        "job not cancelled after its client left");
    long tookMillis = System.currentTimeMillis() - left;
    JsonObject record = get(1, "/jobs/" + job.getString("job"), 200);
    assertEquals("cancelled", record.getString("state"));
    assertEquals("job_idle", record.getJsonObject("error").getString("error"));
    // idle 3 s, plus a flush (1 s) and a check (1 s) of slack
    assertTrue(tookMillis >= 2_500 && tookMillis < 8_000, "cancelled after " + tookMillis + " ms");
    awaitTrue(() -> busyBackends() == 0, 10_000, "cursor still open after the idle cancellation");
    assertEquals(0, info(1, job.getString("stream")).getInteger("subscribers"));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void aFailingJobEndsItsStreamWithAnError() throws Exception {
    JsonObject job = post(1, "progress", new JsonObject().put("steps", 4).put("stepMillis", 50).put("fail", true), 201);
    SseProbe probe = TestCluster.await(SseProbe.open(vertx, http, cluster.edge(0) + job.getString("url")));
    SseEvent error = TestCluster.await(probe.awaitType("error", 10_000));
    JsonObject body = new JsonObject(error.data());
    assertEquals("job_failed", body.getString("error"));
    assertTrue(body.getString("message").contains("failed at step 3"), body.encode());
    TestCluster.await(probe.awaitEnd(10_000));
    awaitTrue(() -> "failed".equals(get(1, "/jobs/" + job.getString("job"), 200).getString("state")), 5_000,
        "record not failed");
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void aUserDefinedKindStreamsThroughTheClusterAndItsClientResumesOnTheOtherNode() throws Exception {
    // a user's own kind, registered on both nodes: 40 words, written through a batching writer
    JobKind countdown = new JobKind("countdown", 10, p -> ctx -> {
      Promise<Void> done = Promise.promise();
      StreamWriter words = ctx.writer("word", 0);
      int[] n = {40};
      long timer = ctx.vertx().setPeriodic(25, id -> {
        if (n[0] == 0) {
          ctx.vertx().cancelTimer(id);
          words.flush().onComplete(done);
          return;
        }
        words.write(n[0]-- + " ");
        ctx.progress((40 - n[0]) / 40.0);
      });
      ctx.onCancel(reason -> ctx.vertx().cancelTimer(timer));
      return done.future();
    });
    cluster.node(0).jobs().register(countdown);
    cluster.node(1).jobs().register(countdown);
    JsonObject job = post(0, "countdown", new JsonObject(), 201);
    SseProbe first = TestCluster.await(SseProbe.open(vertx, http, cluster.edge(0) + job.getString("url")));
    TestCluster.await(first.awaitDataEvents(3, 10_000));
    first.close();
    String lastId = first.dataEvents().get(first.dataEvents().size() - 1).id();
    SseProbe second = TestCluster.await(SseProbe.open(vertx, http, cluster.edge(1) + job.getString("url"),
        Map.of("Last-Event-ID", lastId)));
    TestCluster.await(second.awaitType("complete", 20_000));
    StringBuilder text = new StringBuilder();
    List<SseEvent> all = new ArrayList<>(first.dataEvents());
    all.addAll(second.dataEvents());
    List<String> ids = new ArrayList<>();
    for (SseEvent e : all) {
      text.append(e.data());
      ids.add(e.id());
    }
    StringBuilder expected = new StringBuilder();
    for (int i = 40; i > 0; i--) {
      expected.append(i).append(' ');
    }
    assertEquals(expected.toString(), text.toString(), "every word once, in order, across the two nodes");
    assertEquals(ids.size(), ids.stream().distinct().count());
    JsonObject record = get(1, "/jobs/" + job.getString("job"), 200);
    assertEquals("completed", record.getString("state"));
    assertEquals(1.0, record.getDouble("progress"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void badKindsParametersAndIdsGetTheContractsErrors() throws Exception {
    assertEquals("not_found", post(0, "no-such-kind", new JsonObject(), 404).getString("error"));
    assertEquals("not_found", post(0, "Bad_Kind", new JsonObject(), 404).getString("error"));
    assertEquals("bad_parameter", post(1, "export", new JsonObject().put("query", "drop-tables"), 400)
        .getString("error"));
    assertEquals("bad_parameter", post(1, "export", new JsonObject().put("query", "people"), 400).getString("error"));
    assertEquals("bad_parameter", post(0, "tokens", new JsonObject().put("prompt", ""), 400).getString("error"));
    assertEquals("bad_parameter", request("POST", 0, "/jobs/tokens", "not json", 400).getString("error"));
    assertEquals("not_found", get(0, "/jobs/0123456789abcdef01", 404).getString("error"));
    assertEquals("not_found", request("DELETE", 1, "/jobs/0123456789abcdef01", null, 404).getString("error"));
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aCsvDownloadOfAMillionRowsParsesBackToTheSameRows() throws Exception {
    HttpResponse<java.io.InputStream> r = JDK.send(HttpRequest.newBuilder(
            URI.create(cluster.edge(1) + "/exports/big.csv?param=1&fetch=1000")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
    assertEquals("chunked", r.headers().firstValue("Transfer-Encoding").orElse(""));
    long[] next = {0};
    List<String> mismatches = new ArrayList<>();
    long records;
    try (java.io.Reader in = new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8)) {
      records = CsvReader.stream(in, record -> {
        List<String> expected = next[0] == 0 ? java.util.Arrays.asList("id", "name", "note") : bigRow(next[0]);
        if (!expected.equals(record) && mismatches.size() < 5) {
          mismatches.add("record " + next[0] + ": expected " + expected + ", got " + record);
        }
        next[0]++;
      });
    }
    assertEquals(List.of(), mismatches);
    assertEquals(BIG_ROWS + 1, records);
    awaitTrue(() -> busyBackends() == 0, 10_000, "cursor still open after the download");
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void aDownloadWhoseClientLeavesClosesItsCursorAtOnce() throws Exception {
    Promise<Void> firstChunk = Promise.promise();
    io.vertx.core.http.HttpClientResponse response = await(LoopHttpClient.call(http, () -> http.request(
        io.vertx.core.http.HttpMethod.GET, cluster.node(0).httpPort(), "127.0.0.1", "/exports/big.csv?param=1")
        .compose(req -> req.send())
        .onSuccess(resp -> resp.handler(b -> firstChunk.tryComplete()))));
    assertEquals(200, response.statusCode());
    await(firstChunk.future());
    // the client reads no more: the server's socket fills and the cursor waits, in its transaction
    response.pause();
    Thread.sleep(500);
    assertEquals(1, busyBackends(), "the download's cursor holds a transaction open");
    response.request().connection().close();
    awaitTrue(() -> busyBackends() == 0, 5_000, "cursor still open after the client left");
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void downloadErrors() {
    assertEquals("not_found", get(0, "/exports/nope.csv", 404).getString("error"));
    assertEquals("bad_parameter", get(0, "/exports/big.csv", 400).getString("error"));
    assertEquals("bad_parameter", get(0, "/exports/big.csv?param=1&fetch=0", 400).getString("error"));
    // a value not of the declared type: 400 before any byte (not a 500, nor a reset mid-file)
    JsonObject notANumber = get(0, "/exports/big.csv?param=x", 400);
    assertEquals("bad_parameter", notANumber.getString("error"));
    assertTrue(notANumber.getString("message").contains("$1"), notANumber.encode());
    assertEquals("bad_parameter", get(1, "/exports/big.csv?param=99999999999", 400).getString("error"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void exportParametersAreBoundAsTheirDeclaredTypes() throws Exception {
    String uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    HttpResponse<String> csv = JDK.send(HttpRequest.newBuilder(URI.create(cluster.edge(0)
        + "/exports/typed.csv?param=9000000000&param=2026-12-03&param=true&param=" + uuid + "&param=x%2Cy")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, csv.statusCode(), csv.body());
    assertEquals("n,d,b,u,t\r\n9000000000,2026-12-03,true," + uuid + ",\"x,y\"\r\n", csv.body());
    // the job checks its JSON params the same way, before it starts: 400, no job
    JsonObject bad = post(1, "export", new JsonObject().put("query", "typed")
        .put("params", List.of(1, "2026-13-45", true, uuid, "t")), 400);
    assertEquals("bad_parameter", bad.getString("error"));
    assertTrue(bad.getString("message").contains("$2"), bad.encode());
    assertEquals("bad_parameter", post(0, "export", new JsonObject().put("query", "people")
        .put("params", List.of(1.5)), 400).getString("error"));
    assertEquals("bad_parameter", post(0, "export", new JsonObject().put("query", "typed")
        .put("params", List.of(1, "2026-12-03", "yes", uuid, "t")), 400).getString("error"));
    JsonObject job = post(0, "export", new JsonObject().put("query", "typed")
        .put("params", List.of(7, "2026-12-03", false, uuid, "é")), 201);
    SseProbe probe = TestCluster.await(SseProbe.open(vertx, http, cluster.edge(1) + job.getString("url")));
    TestCluster.await(probe.awaitType("complete", 20_000));
    String rows = probe.events.stream().filter(e -> e.type().equals("rows")).findFirst().orElseThrow().data();
    assertEquals("7,2026-12-03,false," + uuid + ",é", rows.strip());
  }

  /** Row {@code i} of table big, as the CSV reader reads it back. */
  private static List<String> bigRow(long i) {
    String note = i % 7 == 0 ? null : i % 5 == 0 ? "a,\"b\"\nc" : i % 11 == 0 ? "" : i % 13 == 0 ? "x\r\ny" : "plain";
    return java.util.Arrays.asList(Long.toString(i), "name " + i + " é漢", note);
  }

  // ---- helpers

  /** Backends of the export's database user that are in a transaction or running a query (a cursor is open). */
  private static int busyBackends() {
    return await(db.query("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        + " AND pid <> pg_backend_pid() AND state <> 'idle'").execute()).iterator().next().getInteger(0);
  }

  private static int idleBackends() {
    return await(db.query("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        + " AND pid <> pg_backend_pid() AND state = 'idle'").execute()).iterator().next().getInteger(0);
  }

  private static JsonObject info(int node, String stream) {
    return get(node, "/streams/" + stream + "/info", 200);
  }

  private static JsonObject post(int node, String kind, JsonObject body, int status) {
    return request("POST", node, "/jobs/" + kind, body.encode(), status);
  }

  private static JsonObject get(int node, String path, int status) {
    return request("GET", node, path, null, status);
  }

  private static JsonObject request(String method, int node, String path, String body, int status) {
    return JobsHttp.call(method, cluster.edge(node) + path, body, null, status);
  }

  private static <T> T await(io.vertx.core.Future<T> f) {
    return TestCluster.await(f);
  }

  static void awaitTrue(BooleanSupplier condition, long timeoutMillis, String why) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(why);
      }
      Thread.sleep(100);
    }
  }
}
