package io.streamcast.app;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.function.Consumer;

/**
 * The operator routes the edge port serves beside the streams: {@code GET /metrics} (this node's
 * registry in Prometheus text) and {@code GET /dashboard} (a static page that subscribes to the
 * cluster's stats stream like any other client; only on a node with the edge role, which can serve
 * that stream).
 */
final class ObservabilityRoutes implements Consumer<Router> {

  /** Classpath folder holding the dashboard's files. */
  static final String DASHBOARD_WEBROOT = "streamcast-dashboard";

  private final PrometheusMeterRegistry registry;
  private final boolean dashboard;

  /**
   * @param registry the node's registry
   * @param dashboard whether to serve the dashboard page too
   */
  ObservabilityRoutes(PrometheusMeterRegistry registry, boolean dashboard) {
    this.registry = registry;
    this.dashboard = dashboard;
  }

  @Override
  public void accept(Router router) {
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    if (!dashboard) {
      return;
    }
    // the page links its script and styles as /dashboard/..., so /dashboard itself can serve it
    // without a redirect
    router.get("/dashboard").handler(ctx -> ctx.reroute("/dashboard/index.html"));
    router.get("/dashboard/*").handler(StaticHandler.create(DASHBOARD_WEBROOT)
        .setIndexPage("index.html")
        // a new release's page must not be mixed with a day-old cached script
        .setCachingEnabled(false)
        .setDirectoryListing(false));
  }
}
