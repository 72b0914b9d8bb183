package io.streamcast.app;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.streamcast.core.StreamcastMeters;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.EnumSet;
import java.util.UUID;

/**
 * One node's metrics: a Prometheus registry of its own (tagged {@code node=<node name>}) that
 * holds Vert.x's HTTP, event-bus and JVM meters and Streamcast's, which {@code /metrics} scrapes.
 *
 * <p>Never a global registry: tests run several nodes in one JVM, and each must report only
 * itself. Vert.x keeps backends in a static map keyed by registry name, so the name is unique per
 * node instance too.
 */
final class NodeMetrics {

  private final PrometheusMeterRegistry registry;
  private final StreamcastMeters meters;
  private final String registryName;
  private final boolean eventBusMetrics;

  private NodeMetrics(PrometheusMeterRegistry registry, StreamcastMeters meters, String registryName,
      boolean eventBusMetrics) {
    this.registry = registry;
    this.meters = meters;
    this.registryName = registryName;
    this.eventBusMetrics = eventBusMetrics;
  }

  /** @return fresh metrics for the node {@code config} describes */
  static NodeMetrics create(NodeConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", config.cluster().nodeName());
    String name = "streamcast-" + config.cluster().nodeName() + "-" + UUID.randomUUID();
    return new NodeMetrics(registry, new StreamcastMeters(registry, config.metricsStreamLabels()), name,
        config.eventBusMetrics());
  }

  /** @return {@code options} with Vert.x's metrics switched on and reporting to this registry */
  VertxOptions apply(VertxOptions options) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions();
    if (!eventBusMetrics) {
      // a published event cost three meter look-ups by tags here (sent, received, delivered): a
      // tenth of the publish event loop's time in the requests benchmark; our own meters count events
      metrics.addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
    }
    return options.setMetricsOptions(metrics
        .setEnabled(true)
        .setRegistryName(registryName)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        // bounded label values only: no remote addresses, no paths (/streams/{any name}), no
        // event-bus addresses (one per stream); the route label is the pattern, /streams/:stream
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.POOL_TYPE,
            Label.POOL_NAME, Label.EB_SIDE, Label.EB_FAILURE)));
  }

  /** @return the factory that makes Vert.x report to this registry */
  VertxMetricsFactory factory() {
    return new MicrometerMetricsFactory(registry);
  }

  /** @return the registry {@code /metrics} scrapes */
  PrometheusMeterRegistry registry() {
    return registry;
  }

  /** @return Streamcast's own meters */
  StreamcastMeters meters() {
    return meters;
  }
}
