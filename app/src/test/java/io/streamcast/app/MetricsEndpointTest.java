package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.client.SseEvent;
import io.streamcast.client.SseEventParser;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.MetricFamily;
import org.hawkular.agent.prometheus.types.MetricType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /metrics} on a real two-node cluster, read with a Prometheus text parser: the listed
 * series exist, carry their own node's label (one registry per node, even in one JVM), carry no
 * stream label by default, and move when events flow from a producer on one node to subscribers
 * on the other. Also checks the one log line per closed connection.
 */
class MetricsEndpointTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static TestCluster cluster;

  @BeforeAll
  @Timeout(90)
  static void startCluster() {
    cluster = TestCluster.start(2);
  }

  @AfterAll
  @Timeout(60)
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(30)
  void metricsParseAsPrometheusTextAndHoldTheListedSeries() throws Exception {
    PrometheusText scrape = PrometheusText.scrape(cluster.edge(0));
    assertTrue(scrape.contentType().startsWith("text/plain"), scrape.contentType());

    for (String counter : List.of("streamcast_connections_opened_total", "streamcast_events_published_total",
        "streamcast_publish_failures_total", "streamcast_events_delivered_total", "streamcast_delivered_bytes_total",
        "streamcast_replays_total", "streamcast_replayed_events_total", "streamcast_gaps_total",
        "streamcast_slow_consumer_catchups_total", "streamcast_slow_consumer_disconnects_total",
        "streamcast_requests_refused_total", "streamcast_streams_limited_total",
        "streamcast_system_events_published_total", "streamcast_system_events_delivered_total",
        "streamcast_system_delivered_bytes_total", "streamcast_system_replays_total",
        "streamcast_system_replayed_events_total")) {
      assertEquals(MetricType.COUNTER, scrape.family(counter).getType(), counter);
    }
    assertEquals(MetricType.GAUGE, scrape.family("streamcast_connections_active").getType());
    assertEquals(MetricType.GAUGE, scrape.family("streamcast_system_connections_active").getType());
    // the limits' series exist before they act; quota_exceeded is refused on the edge port only
    assertEquals(2, scrape.family("streamcast_streams_limited_total").getMetrics().size());
    assertEquals(0.0, scrape.value("streamcast_requests_refused_total", Map.of("port", "edge", "reason", "quota_exceeded")));
    assertFalse(scrape.family("streamcast_requests_refused_total").getMetrics().stream()
        .anyMatch(m -> "publish".equals(m.getLabels().get("port")) && "quota_exceeded".equals(m.getLabels().get("reason"))));
    assertEquals(MetricType.HISTOGRAM, scrape.family("streamcast_publish_latency_seconds").getType());
    assertEquals(MetricType.HISTOGRAM, scrape.family("streamcast_end_to_end_latency_seconds").getType());
    // Vert.x's own: the HTTP server (the event bus's only with --eventbus-metrics: MetricsStreamLabelsTest)
    assertEquals(MetricType.GAUGE, scrape.family("vertx_http_server_active_connections").getType());
    assertEquals(MetricType.COUNTER, scrape.family("vertx_http_server_requests_total").getType());
    assertFalse(scrape.families().containsKey("vertx_eventbus_published_total"), "event-bus meters are opt-in");
    assertEquals(MetricType.GAUGE, scrape.family("jvm_memory_used_bytes").getType());

    // every series is this node's, and none is labelled per stream unless the flag asks for it
    for (MetricFamily f : scrape.families().values()) {
      f.getMetrics().forEach(m -> {
        assertEquals("node-1", m.getLabels().get("node"), f.getName() + " " + m.getLabels());
        assertFalse(m.getLabels().containsKey("stream"), f.getName() + " " + m.getLabels());
        assertFalse(m.getLabels().containsKey("address"), f.getName() + " " + m.getLabels());
      });
    }
    PrometheusText other = PrometheusText.scrape(cluster.edge(1));
    other.family("streamcast_events_published_total").getMetrics()
        .forEach(m -> assertEquals("node-2", m.getLabels().get("node")));
  }

  @Test
  @Timeout(40)
  void seriesMoveWhenEventsFlowAcrossNodes() throws Exception {
    String stream = "metrics-flow";
    List<String> closeLines = new CopyOnWriteArrayList<>();
    Logger connections = Logger.getLogger("io.streamcast.edge.connections");
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        closeLines.add(r.getMessage());
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    connections.setLevel(Level.INFO);
    connections.addHandler(capture);
    try {
      PrometheusText producerBefore = PrometheusText.scrape(cluster.edge(0));
      PrometheusText edgeBefore = PrometheusText.scrape(cluster.edge(1));

      // live subscriber on node 2, events published on node 1
      try (SseLines live = SseLines.open(cluster.edge(1) + "/streams/" + stream + "?from=latest")) {
        awaitTrue(() -> scrapeQuietly(1).value("streamcast_connections_active") >= 1, "connection counted");
        for (int i = 0; i < 5; i++) {
          publish(stream, "event " + i);
        }
        awaitTrue(() -> live.ids().size() >= 5, "5 live events arrive");

        PrometheusText producer = PrometheusText.scrape(cluster.edge(0));
        PrometheusText edge = PrometheusText.scrape(cluster.edge(1));
        assertTrue(producer.value("streamcast_events_published_total")
            >= producerBefore.value("streamcast_events_published_total") + 5);
        assertTrue(producer.histogramCount("streamcast_publish_latency_seconds")
            >= producerBefore.histogramCount("streamcast_publish_latency_seconds") + 5);
        assertTrue(edge.value("streamcast_events_delivered_total")
            >= edgeBefore.value("streamcast_events_delivered_total") + 5);
        assertTrue(edge.value("streamcast_delivered_bytes_total")
            > edgeBefore.value("streamcast_delivered_bytes_total"));
        assertTrue(edge.histogramCount("streamcast_end_to_end_latency_seconds")
            >= edgeBefore.histogramCount("streamcast_end_to_end_latency_seconds") + 5);
        assertTrue(edge.value("vertx_http_server_bytes_written_total") > 0);
        // publishes skip the router, yet are counted under its route pattern, not an empty route
        assertTrue(producer.family("vertx_http_server_requests_total").getMetrics().stream()
            .anyMatch(m -> "/streams/:stream".equals(m.getLabels().get("route"))
                && "POST".equals(m.getLabels().get("method")) && "201".equals(m.getLabels().get("code"))
                && ((Counter) m).getValue() >= 5),
            producer.family("vertx_http_server_requests_total").getMetrics().toString());

        // a replay from the start, and a resume from an earlier history (gap, then everything)
        try (SseLines replay = SseLines.open(cluster.edge(1) + "/streams/" + stream + "?from=earliest");
            SseLines gap = SseLines.open(cluster.edge(1) + "/streams/" + stream + "?lastEventId=zz0-3")) {
          awaitTrue(() -> replay.ids().size() >= 5 && gap.ids().size() >= 5, "replays arrive");
          assertTrue(gap.events().contains("gap"), gap.events().toString());
        }
        PrometheusText after = PrometheusText.scrape(cluster.edge(1));
        assertTrue(after.value("streamcast_replays_total") >= edgeBefore.value("streamcast_replays_total") + 2);
        assertTrue(after.value("streamcast_replayed_events_total")
            >= edgeBefore.value("streamcast_replayed_events_total") + 10);
        assertTrue(after.value("streamcast_gaps_total") >= edgeBefore.value("streamcast_gaps_total") + 1);
        // replayed events are old, not slow: they stay out of the end-to-end latency
        assertEquals(edge.histogramCount("streamcast_end_to_end_latency_seconds"),
            after.histogramCount("streamcast_end_to_end_latency_seconds"));
      }
      String live = "stream=" + stream + " node=node-2 ";
      awaitTrue(() -> closeLines.stream().anyMatch(l -> l.contains(live) && l.contains(" replayed=0 ")),
          "a close line for the live subscriber");
      String line = closeLines.stream().filter(l -> l.contains(live) && l.contains(" replayed=0 "))
          .findFirst().orElseThrow();
      assertTrue(line.matches("stream closed: stream=metrics-flow node=node-2 duration_ms=\\d+ events=5 replayed=0"
          + " bytes=\\d+ reason=\".+\""), line);
    } finally {
      connections.removeHandler(capture);
    }
  }

  private static PrometheusText scrapeQuietly(int node) {
    try {
      return PrometheusText.scrape(cluster.edge(node));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void publish(String stream, String data) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.publish(0) + "/streams/" + stream))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(data)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
  }

  static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting: " + what);
      }
      Thread.sleep(50);
    }
  }

  /**
   * A blocking-style SSE reader on its own thread, parsing with the client module's WHATWG parser:
   * the ids and (non-default) event types it has seen.
   */
  static final class SseLines implements AutoCloseable {
    private final List<String> ids = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final InputStream body;
    private final SseEventParser parser = new SseEventParser(e -> {
      ids.add(e.id());
      if (!e.type().equals(SseEvent.DEFAULT_TYPE)) {
        events.add(e.type());
      }
    });

    private SseLines(InputStream body) {
      this.body = body;
      Thread reader = new Thread(this::read, "sse-lines");
      reader.setDaemon(true);
      reader.start();
    }

    static SseLines open(String url) throws Exception {
      HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, r.statusCode());
      return new SseLines(r.body());
    }

    private void read() {
      byte[] chunk = new byte[8192];
      try (InputStream in = body) {
        int n;
        while ((n = in.read(chunk)) > 0) {
          parser.feed(Arrays.copyOf(chunk, n));
        }
      } catch (Exception e) {
        // closed by the test
      }
    }

    List<String> ids() {
      return ids;
    }

    List<String> events() {
      return events;
    }

    @Override
    public void close() throws Exception {
      body.close();
    }
  }
}
