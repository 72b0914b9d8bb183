package io.streamcast.producer;

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

  private final ProducerConfig config;
  private final StreamPublisher publisher;
  private final StreamInfo info;
  private HttpServer server;

  /**
   * @param config validated settings
   * @param publisher the node's publisher
   * @param info stream info documents
   */
  public ProducerVerticle(ProducerConfig config, StreamPublisher publisher, StreamInfo info) {
    this.config = config;
    this.publisher = publisher;
    this.info = info;
  }

  @Override
  public Future<?> start() {
    PublishRoutes routes = new PublishRoutes(publisher, info, config.maxDataBytes());
    return vertx.createHttpServer(new HttpServerOptions().setHost(config.bindHost()).setPort(config.publishPort()))
        .requestHandler(routes.router(vertx))
        .listen()
        .onSuccess(s -> {
          server = s;
          LOG.info("publish API listening on " + config.bindHost() + ":" + s.actualPort());
        });
  }

  /** @return the port the publish API listens on (useful with port 0) */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }
}
