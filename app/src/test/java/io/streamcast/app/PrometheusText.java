package io.streamcast.app;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hawkular.agent.prometheus.text.TextPrometheusMetricsProcessor;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.Histogram;
import org.hawkular.agent.prometheus.types.Metric;
import org.hawkular.agent.prometheus.types.MetricFamily;
import org.hawkular.agent.prometheus.walkers.CollectorPrometheusMetricsWalker;

/**
 * One scrape of a node's {@code /metrics}, read by a real Prometheus text-format parser (Hawkular's
 * scraper), so a test checks what a Prometheus server would see rather than what a regex finds.
 */
final class PrometheusText {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Map<String, MetricFamily> families = new LinkedHashMap<>();
  private final String contentType;

  private PrometheusText(List<MetricFamily> parsed, String contentType) {
    parsed.forEach(f -> families.put(f.getName(), f));
    this.contentType = contentType;
  }

  /** Scrapes {@code edgeBaseUrl + "/metrics"} and parses it. */
  static PrometheusText scrape(String edgeBaseUrl) throws IOException, InterruptedException {
    HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(edgeBaseUrl + "/metrics"))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("/metrics answered " + response.statusCode());
    }
    CollectorPrometheusMetricsWalker collector = new CollectorPrometheusMetricsWalker();
    new TextPrometheusMetricsProcessor(new ByteArrayInputStream(response.body()), collector).walk();
    return new PrometheusText(collector.getAllMetricFamilies(),
        response.headers().firstValue("Content-Type").orElse(""));
  }

  /** @return the response's content type */
  String contentType() {
    return contentType;
  }

  /** @return every family, by name */
  Map<String, MetricFamily> families() {
    return families;
  }

  /** @return the family, or fails the caller's assertion with the names present */
  MetricFamily family(String name) {
    MetricFamily f = families.get(name);
    if (f == null) {
      throw new AssertionError("no metric family " + name + " in /metrics; present: " + families.keySet());
    }
    return f;
  }

  /** @return the value of a counter or gauge family's single series, summed over its series */
  double value(String name) {
    return value(name, Map.of());
  }

  /** @return the value of a counter or gauge family summed over its series that carry every label of {@code labels} */
  double value(String name, Map<String, String> labels) {
    double sum = 0;
    for (Metric m : family(name).getMetrics()) {
      if (!m.getLabels().entrySet().containsAll(labels.entrySet())) {
        continue;
      }
      if (m instanceof Counter c) {
        sum += c.getValue();
      } else if (m instanceof Gauge g) {
        sum += g.getValue();
      } else {
        throw new AssertionError(name + " is neither a counter nor a gauge");
      }
    }
    return sum;
  }

  /** @return the observation count of a histogram family, summed over its series */
  long histogramCount(String name) {
    long sum = 0;
    for (Metric m : family(name).getMetrics()) {
      sum += ((Histogram) m).getSampleCount();
    }
    return sum;
  }
}
