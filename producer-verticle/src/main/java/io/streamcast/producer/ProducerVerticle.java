package io.streamcast.producer;

import io.streamcast.core.NodeReadiness;
import io.streamcast.core.StreamAccess;
import io.streamcast.core.StreamInfo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.logging.Logger;

/**
 * Serves the publish API on the publish port. Appending and publishing is {@link StreamPublisher}'s
 * job; this verticle owns the HTTP server.
 */
public final class ProducerVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(ProducerVerticle.class.getName());
  /** Longest wait for accepted publishes on a drain (a publish normally takes milliseconds). */
  private static final long DRAIN_MAX_MILLIS = 10_000;

  private final ProducerConfig config;
  private final StreamPublisher publisher;
  private final StreamInfo info;
  private final NodeReadiness readiness;
  private PublishRoutes routes;
  private HttpServer server;

  /**
   * @param config validated settings
   * @param publisher the node's publisher
   * @param info stream info documents
   * @param readiness the node's life stage: once it drains, new publishes get {@code 503} with
   *     {@code Retry-After} while accepted ones finish; null to always accept
   */
  public ProducerVerticle(ProducerConfig config, StreamPublisher publisher, StreamInfo info, NodeReadiness readiness) {
    this.config = config;
    this.publisher = publisher;
    this.info = info;
    this.readiness = readiness;
  }

  @Override
  public Future<?> start() {
    routes = new PublishRoutes(publisher, info, config.maxDataBytes(),
        () -> readiness == null || readiness.state() == NodeReadiness.State.STARTING
            || readiness.state() == NodeReadiness.State.SERVING,
        StreamAccess.create(vertx, config.auth()), config.maxPublishesPerSecondPerUser());
    return vertx.createHttpServer(new HttpServerOptions().setHost(config.bindHost()).setPort(config.publishPort()))
        .requestHandler(routes.handler(vertx))
        .listen()
        .onSuccess(s -> {
          server = s;
          LOG.info("publish API listening on " + config.bindHost() + ":" + s.actualPort());
        });
  }

  /**
   * Drains: publishes already accepted finish (their events reach history and the bus, and their
   * callers get the answer), new ones are refused with {@code 503} (when the node's readiness says
   * draining), then the port closes.
   */
  @Override
  public Future<?> stop() {
    if (routes == null) {
      return server == null ? Future.succeededFuture() : server.close();
    }
    int pending = routes.inFlight();
    return routes.drained(vertx, DRAIN_MAX_MILLIS).compose(v -> {
      if (pending > 0) {
        LOG.info("drained " + pending + " in-flight publishes" + (routes.inFlight() > 0
            ? " (" + routes.inFlight() + " still unanswered after " + DRAIN_MAX_MILLIS + " ms)" : ""));
      }
      return server == null ? Future.succeededFuture() : server.close();
    });
  }

  /** @return the port the publish API listens on (useful with port 0) */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }
}
