package io.streamcast.edge;

import io.streamcast.core.ApiFailureHandler;
import io.streamcast.core.ClusterMembers;
import io.streamcast.core.NodeReadiness;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The edge port of a node without the edge role: {@code GET /health} and {@code GET /ready} with the
 * same answers as {@link EdgeVerticle}'s, plus the operator routes the node adds (its metrics), and
 * {@code 404 not_found} for everything else. So every node, whatever its roles, can be probed and
 * scraped on the same port (a producer-only pod's liveness and readiness probes need it).
 */
public final class OperationsVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(OperationsVerticle.class.getName());

  private final String bindHost;
  private final int port;
  private final ClusterMembers members;
  private final NodeReadiness readiness;
  private final boolean authEnabled;
  private final Consumer<Router> extraRoutes;
  private HttpServer server;

  /**
   * @param bindHost address the port binds
   * @param port the node's edge port ({@code --http-port}); 0 for any free one
   * @param members the cluster as this node sees it
   * @param readiness the node's life stage
   * @param authEnabled whether the node checks tokens ({@code /health} says {@code "auth":"on"} or {@code "off"})
   * @param extraRoutes adds routes owned by others (metrics) before the fallbacks
   */
  public OperationsVerticle(String bindHost, int port, ClusterMembers members, NodeReadiness readiness,
      boolean authEnabled, Consumer<Router> extraRoutes) {
    this.bindHost = bindHost;
    this.port = port;
    this.members = members;
    this.readiness = readiness;
    this.authEnabled = authEnabled;
    this.extraRoutes = extraRoutes;
  }

  @Override
  public Future<?> start() {
    HealthRoutes health = new HealthRoutes(members, readiness, authEnabled);
    Router router = Router.router(vertx);
    health.mount(router);
    extraRoutes.accept(router);
    ApiFailureHandler.answerUnmatched(router, HealthRoutes::allowed);
    router.route().failureHandler(new ApiFailureHandler());
    return vertx.createHttpServer(new HttpServerOptions().setHost(bindHost).setPort(port)
            .setHttp2ClearTextEnabled(false))
        .requestHandler(router)
        .listen()
        .onSuccess(s -> {
          server = s;
          LOG.info("health and metrics (no edge role) listening on " + bindHost + ":" + s.actualPort());
        });
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** @return the port it listens on (useful with port 0), -1 before it does */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }
}
