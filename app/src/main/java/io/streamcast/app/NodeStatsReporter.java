package io.streamcast.app;

import io.streamcast.producer.StreamPublisher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Publishes this node's {@link NodeStats} once a second on {@value #STREAM}, through the normal
 * publish path: the dashboard subscribes to it like any client, replays the last minutes from its
 * history, and resumes on another node like any client. Every node runs one, whatever its roles.
 */
final class NodeStatsReporter extends VerticleBase {

  /** The cluster's stats stream (a system stream, with its own small history). */
  static final String STREAM = "_cluster.stats";
  /** Event type of a node's figures. */
  static final String EVENT_TYPE = "node-stats";

  private static final Logger LOG = Logger.getLogger(NodeStatsReporter.class.getName());
  private static final long HISTORY_GAUGES_EVERY_MILLIS = 5_000;

  private final NodeStats stats;
  private final StreamPublisher publisher;
  private final StreamHistoryGauges historyGauges;
  private boolean publishing;
  private boolean warned;

  /**
   * @param stats the node's figures
   * @param publisher the node's publisher
   * @param historyGauges per-stream history gauges to refresh, or null when they are off
   */
  NodeStatsReporter(NodeStats stats, StreamPublisher publisher, StreamHistoryGauges historyGauges) {
    this.stats = stats;
    this.publisher = publisher;
    this.historyGauges = historyGauges;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(0, 1000, id -> report());
    if (historyGauges != null) {
      vertx.setPeriodic(HISTORY_GAUGES_EVERY_MILLIS, id -> historyGauges.refresh());
    }
    return Future.succeededFuture();
  }

  private void report() {
    JsonObject sample = stats.sample();
    if (publishing) {
      // history is slow right now: skip a second rather than pile publishes up behind it
      return;
    }
    publishing = true;
    publish(sample).onComplete(ar -> {
      publishing = false;
      if (ar.failed() && !warned) {
        warned = true;
        LOG.warning("node stats not published (will keep trying): " + ar.cause().getMessage());
      } else if (ar.succeeded()) {
        warned = false;
      }
    });
  }

  private Future<?> publish(JsonObject figures) {
    return publisher.publish(STREAM, EVENT_TYPE, figures.encode().getBytes(StandardCharsets.UTF_8), null);
  }

  /** Says goodbye, so dashboards show the node gone at once rather than after its stats stop. */
  @Override
  public Future<?> stop() {
    return publish(stats.leaving()).timeout(2, TimeUnit.SECONDS).otherwiseEmpty();
  }
}
