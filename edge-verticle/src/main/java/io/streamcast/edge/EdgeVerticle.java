package io.streamcast.edge;

import io.streamcast.core.ApiFailureHandler;
import io.streamcast.core.ClusterMembers;
import io.streamcast.core.NodeReadiness;
import io.streamcast.core.StreamAccess;
import io.streamcast.core.StreamEventCodec;
import io.streamcast.core.StreamHistory;
import io.streamcast.core.StreamInfo;
import io.streamcast.core.StreamName;
import io.streamcast.core.StreamcastMeters;
import io.streamcast.edge.delivery.DeliveryMeters;
import io.streamcast.edge.delivery.StreamFeeds;
import io.streamcast.edge.delivery.Subscription;
import io.streamcast.edge.delivery.SubscriptionLedger;
import io.streamcast.core.SubscriberCounts;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Serves subscribers on the edge port: {@code GET /streams/{stream}} as SSE or NDJSON, stream info,
 * health and readiness. Deployed as one instance per node: every feed and subscription of the node
 * lives on its event loop, which is what lets fan-out and replay-then-live work without locks.
 */
public final class EdgeVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(EdgeVerticle.class.getName());

  private final EdgeConfig config;
  private final StreamHistory history;
  private final BooleanSupplier underPressure;
  private final ClusterMembers members;
  private final NodeReadiness readiness;
  /** Whether the previous one-second sweep found the node without quorum. */
  private boolean withoutQuorumBefore;
  private final Consumer<Router> extraRoutes;
  private final StreamcastMeters meters;
  private final SubscriberCounts counts;
  private StreamFeeds feeds;
  private SubscriptionLedger ledger;
  private DeliveryMeters deliveryMeters;
  private HttpServer server;

  /**
   * @param config validated settings
   * @param history stream histories
   * @param underPressure true while the node is short of memory: new subscriptions get {@code 503 capacity}
   * @param members the cluster as this node sees it
   * @param readiness the node's life stage
   * @param extraRoutes adds routes owned by others (metrics, dashboard) before the fallbacks
   * @param meters the node's meters, which the subscriptions report to
   * @param counts where this edge's subscriptions are counted (jobs cancel on it when nobody
   *     listens; info shows it as {@code subscribers}); null to count nothing
   */
  public EdgeVerticle(EdgeConfig config, StreamHistory history, BooleanSupplier underPressure, ClusterMembers members,
      NodeReadiness readiness, Consumer<Router> extraRoutes, StreamcastMeters meters, SubscriberCounts counts) {
    this.counts = counts;
    this.config = config;
    this.history = history;
    this.underPressure = underPressure;
    this.members = members;
    this.readiness = readiness;
    this.extraRoutes = extraRoutes;
    this.meters = meters;
  }

  @Override
  public Future<?> start() {
    StreamEventCodec.register(vertx);
    deliveryMeters = new DeliveryMeters(members.self(), meters);
    ledger = new SubscriptionLedger(deliveryMeters, counts, config.streamLimits());
    feeds = new StreamFeeds(vertx, history, config.replayBatch(), deliveryMeters, () -> !underPressure.getAsBoolean());
    StreamInfo info = new StreamInfo(history, counts);
    StreamAccess access = StreamAccess.create(vertx, config.auth());
    HealthRoutes health = new HealthRoutes(members, readiness, access.enabled());

    Router router = Router.router(vertx);
    if (!config.corsOrigins().isEmpty()) {
      // first, so every answer (errors, the preflight, health and the dashboard too) carries its headers
      router.route().handler(EdgeCors.create(config.corsOrigins()));
    }
    health.mount(router);
    // /health, /ready and the extra routes (metrics, dashboard) stay open; the streams need a grant
    router.get("/streams/:stream/info").handler(ctx -> {
      String stream = StreamName.require(ctx.pathParam("stream"));
      access.check(ctx.request(), stream, StreamAccess.Action.SUBSCRIBE)
          .onFailure(refusal -> meters.refusedIf(StreamcastMeters.Port.EDGE, refusal))
          .compose(grant -> info.describe(stream))
          .onSuccess(doc -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(doc.encode()))
          .onFailure(ctx::fail);
    });
    router.get("/streams/:stream").handler(
        new SubscribeHandler(feeds, ledger, deliveryMeters, readiness, config.maxConnections(), access,
            config.maxConnectionsPerUser(), config.streamLimits().bytesPerWindow(), underPressure));
    extraRoutes.accept(router);
    // every path of the edge port is read-only
    ApiFailureHandler.answerUnmatched(router, HealthRoutes::allowed);
    router.route().failureHandler(new ApiFailureHandler());

    // one sweep per node, not one timer per connection: idle connections cost no timer
    vertx.setPeriodic(config.heartbeatSeconds() * 1000L,
        id -> ledger.snapshot().forEach(Subscription::heartbeat));
    // history forgets streams idle for --stream-idle-seconds unless someone watches them
    vertx.setPeriodic(history.touchEveryMillis(), id -> history.touch(feeds.watched())
        .onFailure(e -> LOG.warning("could not mark watched streams as in use: " + e)));
    vertx.setPeriodic(1000, id -> {
      String noQuorum = readiness.noQuorum();
      // two sweeps in a row (1-2 s): what this side of a split holds is stale and may be lost at the
      // merge, so clients go to the majority; a node back from a short pause hears from the others
      // within a heartbeat and keeps its streams
      if (noQuorum != null && withoutQuorumBefore && ledger.connections() > 0) {
        LOG.warning("ended " + ledger.failWithoutQuorum(noQuorum) + " streams: " + noQuorum);
      }
      withoutQuorumBefore = noQuorum != null;
      feeds.sweep();
      deliveryMeters.report();
      if (counts != null) {
        counts.flush();
      }
      long now = System.currentTimeMillis();
      if (access.enabled()) {
        ledger.expire(now);
      }
      // --max-stream-seconds and the byte quota's windows: one walk a second, no timer per connection
      ledger.sweep(now);
    });

    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.bindHost())
        .setPort(config.httpPort())
        .setTcpNoDelay(true)
        // no h2c upgrade: browsers never use it, and a client that offers it (the JDK's HttpClient
        // does by default) got a broken large response from the upgrade path; plain HTTP/1.1 also
        // keeps every connection's pipeline to the shape ChunkWriter writes into. HTTP/2 comes with
        // TLS (ALPN), as browsers speak it
        .setHttp2ClearTextEnabled(false)
        .setAcceptBacklog(4096);
    EdgeTls tls = config.tls() == null ? null : EdgeTls.configure(vertx, config.tls(), options);
    return feeds.start().compose(v -> vertx.createHttpServer(options)
        .requestHandler(router)
        .listen()
        .onSuccess(s -> {
          server = s;
          if (tls != null) {
            tls.watch(s);
          }
          LOG.info("edge listening on " + config.bindHost() + ":" + s.actualPort()
              + (tls == null ? "" : " (HTTPS: h2, http/1.1)"));
        }));
  }

  /**
   * Drains: ends every stream cleanly, so EventSource and our client reconnect (to another node)
   * with their last id, then stops listening.
   */
  @Override
  public Future<?> stop() {
    endStreams();
    feeds.closeAll();
    return server == null ? Future.succeededFuture() : server.close();
  }

  /**
   * First step of a drain, before the node's other parts stop: ends every open stream cleanly
   * (written events flushed, then the response ends) so each client resumes on another node, while
   * the port keeps answering: {@code /ready} and new subscribers get {@code 503} (the caller has
   * marked the node draining) until {@link #stop()} closes it.
   *
   * @return completes once every stream is ended; runs on the edge's event loop
   */
  public Future<Void> closeStreams() {
    if (context == null) {
      return Future.succeededFuture();
    }
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    context.runOnContext(v -> {
      endStreams();
      done.complete();
    });
    return done.future();
  }

  private void endStreams() {
    if (ledger == null) {
      return;
    }
    int open = ledger.connections();
    ledger.snapshot().forEach(s -> s.close("node draining"));
    if (open > 0) {
      LOG.info("drained " + open + " streaming connections");
    }
  }

  /** @return the port the edge listens on (useful with port 0) */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  /** @return whether this node holds a feed of {@code stream} (tests check that deleted streams leave none) */
  public boolean hasFeed(String stream) {
    return feeds.has(stream);
  }

  /** @return open streaming connections on this node */
  public int connections() {
    return ledger.connections();
  }
}
