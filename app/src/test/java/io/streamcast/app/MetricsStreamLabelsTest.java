package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.Metric;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The opt-in series: with {@code --metrics-stream-labels true}, per-stream series (connections,
 * history size) appear, labelled with the stream, for the streams that have connections on the
 * node; with {@code --eventbus-metrics true}, Vert.x's event-bus series.
 */
class MetricsStreamLabelsTest {

  private static TestCluster cluster;

  @BeforeAll
  @Timeout(90)
  static void startCluster() {
    cluster = TestCluster.start(1, Map.of(NodeFlag.METRICS_STREAM_LABELS, "true", NodeFlag.EVENTBUS_METRICS, "true"));
  }

  @AfterAll
  @Timeout(60)
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(40)
  void perStreamSeriesFollowTheFlag() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (MetricsEndpointTest.SseLines sub = MetricsEndpointTest.SseLines.open(
        cluster.edge(0) + "/streams/labelled?from=earliest")) {
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cluster.publish(0) + "/streams/labelled"))
            .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("e" + i)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
      }
      MetricsEndpointTest.awaitTrue(() -> sub.ids().size() == 3, "3 events arrive");
      // the history size is refreshed in the background every few seconds
      MetricsEndpointTest.awaitTrue(() -> streamGauge("streamcast_stream_history_events", "labelled") == 3,
          "history size of 'labelled' is 3");
      assertEquals(1, streamGauge("streamcast_stream_connections", "labelled"));
      PrometheusText scrape = PrometheusText.scrape(cluster.edge(0));
      assertTrue(scrape.family("vertx_eventbus_published_total").getMetrics().stream()
          .anyMatch(m -> ((Counter) m).getValue() >= 3), "published events counted by Vert.x's event-bus meters");
    }
  }

  private static double streamGauge(String family, String stream) {
    try {
      PrometheusText scrape = PrometheusText.scrape(cluster.edge(0));
      if (!scrape.families().containsKey(family)) {
        return -1;
      }
      for (Metric m : scrape.family(family).getMetrics()) {
        if (stream.equals(m.getLabels().get("stream"))) {
          return ((Gauge) m).getValue();
        }
      }
      return -1;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
