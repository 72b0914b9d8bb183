package io.streamcast.app;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import io.streamcast.cluster.HazelcastMemberConfig;
import io.streamcast.cluster.QuorumFunction;
import io.streamcast.core.ClusterMembers;
import io.streamcast.core.NodeReadiness;
import io.streamcast.core.StreamAccess;
import io.streamcast.core.StreamInfo;
import io.streamcast.core.SubscriberCounts;
import io.streamcast.producer.jobs.BuiltInJobs;
import io.streamcast.producer.jobs.ExportDownload;
import io.streamcast.producer.jobs.ExportJobs;
import io.streamcast.producer.jobs.JobCheckpoints;
import io.streamcast.producer.jobs.JobDirectory;
import io.streamcast.producer.jobs.JobManager;
import io.streamcast.producer.jobs.JobRoutes;
import io.streamcast.core.history.HazelcastStreamHistory;
import io.streamcast.core.history.RetentionSweep;
import io.streamcast.edge.EdgeVerticle;
import io.streamcast.edge.OperationsVerticle;
import io.streamcast.producer.DemoTicker;
import io.streamcast.producer.ProducerVerticle;
import io.streamcast.producer.StreamPublisher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * A running Streamcast node: a clustered Vert.x (Hazelcast member) with the verticles of its roles.
 * Started by the launcher for {@code node} and {@code demo}, and in-JVM by the tests.
 */
public final class StreamcastNode {

  private static final Logger LOG = Logger.getLogger(StreamcastNode.class.getName());

  private final NodeConfig config;
  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final NodeReadiness readiness = new NodeReadiness();
  private final List<String> deployments = new ArrayList<>();
  private final HazelcastStreamHistory history;
  private final StreamPublisher publisher;
  private final RetentionSweep sweep;
  private volatile RetentionSweep.Report lastSweep = new RetentionSweep.Report(0, 0, List.of(), 0);
  private EdgeVerticle edge;
  /** Serves the edge port of a node without the edge role (health, readiness, metrics); null otherwise. */
  private OperationsVerticle operations;
  /** The deployment that owns the edge port (the edge, or the operations verticle): undeployed last. */
  private String edgeDeployment;
  private ProducerVerticle producer;
  private Future<Void> stopping;
  private final NodeMetrics metrics;
  private final ClusterMembers members;
  private final MemberLossWatch memberLoss;
  private final QuorumWatch quorumWatch;
  private final MemoryPressure memoryPressure;
  private final SubscriberCounts subscriberCounts;
  private final JobDirectory jobDirectory;
  private JobManager jobs;
  private ExportJobs exports;

  private StreamcastNode(NodeConfig config, Vertx vertx, HazelcastInstance hazelcast, QuorumFunction quorum,
      NodeMetrics metrics, NodeExit exit) {
    this.config = config;
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    // first, as soon as the member exists: a member lost during the deploy fails the node too
    this.memberLoss = MemberLossWatch.install(vertx, hazelcast, readiness, config.cluster().nodeName(), exit);
    this.quorumWatch = QuorumWatch.install(vertx, hazelcast, readiness, quorum);
    this.memoryPressure = MemoryPressure.start(config.memoryHighWatermark());
    this.metrics = metrics;
    this.members = new ClusterMembers(hazelcast);
    // every write checks quorum when it starts and when it completes (ADR 12)
    this.history = new HazelcastStreamHistory(vertx, hazelcast, config.retention(), readiness::noQuorum);
    this.publisher = new StreamPublisher(vertx, history, metrics.meters(), memoryPressure::high);
    this.sweep = new RetentionSweep(hazelcast, config.retention());
    this.subscriberCounts = new SubscriberCounts(vertx, hazelcast);
    this.jobDirectory = new JobDirectory(vertx, hazelcast);
  }

  /**
   * Joins the cluster and deploys the node's verticles; if the member is later lost under the node,
   * the node reports DOWN but the process goes on (see {@link #start(NodeConfig, NodeExit)}).
   *
   * @return the node, serving; fails with the reason it could not start (and leaves the cluster)
   */
  public static Future<StreamcastNode> start(NodeConfig config) {
    return start(config, NodeExit.NONE);
  }

  /**
   * Joins the cluster and deploys the node's verticles.
   *
   * @param exit called with {@link Streamcast#EXIT_MEMBER_LOST} if the node's Hazelcast member goes
   *     away without the node's own {@link #stop()} (see {@link MemberLossWatch})
   * @return the node, serving; fails with the reason it could not start (and leaves the cluster)
   */
  public static Future<StreamcastNode> start(NodeConfig config, NodeExit exit) {
    // here, on the caller's thread: finding out may resolve --bind-host, which must not happen on an event loop
    String openAuth = config.openAuthWarning();
    if (openAuth != null) {
      LOG.warning(openAuth);
    }
    com.hazelcast.config.Config memberConfig = HazelcastMemberConfig.build(config.cluster());
    QuorumFunction quorum = HazelcastMemberConfig.quorumFunction(memberConfig);
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(memberConfig);
    // native epoll (netty-transport-native-epoll) where the platform has it; NIO otherwise
    VertxOptions options = new VertxOptions().setPreferNativeTransport(true).setEventBusOptions(new EventBusOptions()
        .setHost(config.cluster().host())
        .setClusterPublicHost(config.cluster().host())
        .setPort(0));
    if (config.eventLoops() > 0) {
      // 1: publish, bus delivery and the subscriber's write on one thread (ADR 15)
      options.setEventLoopPoolSize(config.eventLoops());
    }
    // a registry of this node's own (several nodes may share a JVM), fed by Vert.x and by us
    NodeMetrics metrics = NodeMetrics.create(config);
    return Vertx.builder().with(metrics.apply(options)).withMetrics(metrics.factory())
        .withClusterManager(clusterManager).buildClustered()
        .compose(vertx -> {
          StreamcastNode node = new StreamcastNode(config, vertx, clusterManager.getHazelcastInstance(), quorum,
              metrics, exit);
          return node.deploy().transform(ar -> {
            if (ar.succeeded()) {
              return Future.succeededFuture(node);
            }
            // leaving after a failed start is ours too: the launcher reports it, not the watch
            node.memberLoss.leaving();
            node.memoryPressure.close();
            node.quorumWatch.close();
            return vertx.close().transform(closed -> Future.failedFuture(ar.cause()));
          });
        });
  }

  private Future<Void> deploy() {
    String limitsWarning = config.perUserLimitsWarning();
    if (limitsWarning != null) {
      LOG.warning(limitsWarning);
    }
    StreamInfo info = new StreamInfo(history, subscriberCounts);
    if (config.jobs().pgUrl() != null) {
      // the pool connects lazily: an edge-only node pays nothing until a download comes
      exports = ExportJobs.create(vertx, config.jobs().pgUrl(), config.jobs().exportQueries(),
          config.jobs().pgPoolSize());
    }
    Future<Void> chain = Future.succeededFuture();
    if (config.producerRole()) {
      producer = new ProducerVerticle(config.producer(), publisher, info, readiness);
      chain = chain.compose(v -> vertx.deployVerticle(producer)).map(this::deployed);
      // after the producer, so a drain interrupts the jobs (ending their streams) while it still publishes
      JobSettings js = config.jobs();
      jobs = new JobManager(config.cluster().nodeName(), publisher, jobDirectory,
          new JobCheckpoints(vertx, hazelcast), subscriberCounts, js.limits())
          .register(BuiltInJobs.tokens(js.slots()))
          .register(BuiltInJobs.progress(js.slots()));
      if (exports != null) {
        jobs.register(exports.kind());
      }
      chain = chain.compose(v -> vertx.deployVerticle(jobs)).map(this::deployed);
    }
    if (config.edgeRole()) {
      StreamAccess access = StreamAccess.create(vertx, config.edge().auth());
      java.util.function.Consumer<io.vertx.ext.web.Router> routes = new ObservabilityRoutes(metrics.registry(), true)
          .andThen(new JobRoutes(vertx, access, jobDirectory, members::names));
      if (exports != null) {
        routes = routes.andThen(new ExportDownload(exports, access));
      }
      edge = new EdgeVerticle(config.edge(), history, memoryPressure::high, members, readiness, routes,
          metrics.meters(), subscriberCounts);
      chain = chain.compose(v -> vertx.deployVerticle(edge)).map(id -> {
        edgeDeployment = id;
        return deployed(id);
      });
    } else {
      // every role is probed and scraped on the edge port: without the edge, the port still answers
      // /health, /ready and /metrics (no dashboard: its page subscribes to a stream, which needs an edge)
      operations = new OperationsVerticle(config.edge().bindHost(), config.edge().httpPort(), members, readiness,
          config.producer().auth().enabled(),
          new ObservabilityRoutes(metrics.registry(), false));
      chain = chain.compose(v -> vertx.deployVerticle(operations)).map(id -> {
        edgeDeployment = id;
        return deployed(id);
      });
    }
    if (config.demo()) {
      chain = chain.compose(v -> vertx.deployVerticle(new DemoTicker(publisher))).map(this::deployed);
    }
    // last, so it is undeployed first on a drain and its goodbye goes out while the node still works
    NodeStatsReporter stats = new NodeStatsReporter(
        new NodeStats(config.cluster().nodeName(), config.roles(), metrics.meters(), memoryPressure::high,
            () -> lastSweep), publisher,
        config.metricsStreamLabels() ? new StreamHistoryGauges(metrics.meters(), history) : null);
    chain = chain.compose(v -> vertx.deployVerticle(stats)).map(this::deployed);
    long every = sweepEveryMillis();
    vertx.setPeriodic(every, every, id -> sweepRetention());
    return chain.onSuccess(v -> {
      readiness.serving();
      LOG.info("node " + config.cluster().nodeName() + " serving: roles=" + config.roles()
          + " members=" + members.names()
          + " native-transport=" + vertx.isNativeTransportEnabled());
    });
  }

  /**
   * Often enough that a stream is deleted within a few seconds of its due time; never more than
   * once a second (a sweep visits every stream this member owns).
   */
  private long sweepEveryMillis() {
    int shortest = Math.min(config.retention().completedRetentionSeconds(), config.retention().idleSeconds());
    return 1000L * Math.max(1, Math.min(5, shortest / 2));
  }

  private boolean sweeping;

  /** One retention sweep of the streams this member owns, on a worker thread. */
  private void sweepRetention() {
    // without quorum the history map refuses every operation: a sweep would only log that each time
    if (sweeping || !hazelcast.getLifecycleService().isRunning() || !readiness.hasQuorum()) {
      return;
    }
    sweeping = true;
    vertx.executeBlocking(sweep::run, false).onComplete(ar -> {
      sweeping = false;
      if (ar.failed()) {
        if (readiness.state() == NodeReadiness.State.DRAINING) {
          // the member leaves under a sweep that was running when the drain began: expected, nothing to retry
          LOG.fine("retention sweep ended by the drain: " + ar.cause());
        } else {
          LOG.warning("retention sweep failed (retried at the next one): " + ar.cause());
        }
        return;
      }
      lastSweep = ar.result();
      for (RetentionSweep.Ended ended : ar.result().ended()) {
        publisher.announceEnded(ended.stream(), ended.epoch());
      }
      if (!ar.result().ended().isEmpty()) {
        LOG.fine(() -> "retention sweep ended " + ar.result().ended().size() + " streams");
      }
    });
  }

  /** @return the node's history (tests look into it) */
  HazelcastStreamHistory history() {
    return history;
  }

  /** @return whether this node's edge holds a feed of {@code stream} (tests check feeds are let go) */
  boolean hasFeed(String stream) {
    return edge != null && edge.hasFeed(stream);
  }

  private Void deployed(String id) {
    deployments.add(id);
    return null;
  }

  /**
   * Drains and leaves: {@code /ready} turns 503 at once (and the producer refuses new publishes
   * with 503), every stream is ended cleanly so its client resumes on another node, publishes
   * already accepted finish, the ports close, then the member leaves the cluster (its history
   * partitions migrate to the survivors first). Idempotent.
   */
  public synchronized Future<Void> stop() {
    if (stopping == null) {
      // before anything else: the member leaving from here on is this drain, not a loss
      memberLoss.leaving();
      memoryPressure.close();
      quorumWatch.close();
      readiness.draining();
      LOG.info("node " + config.cluster().nodeName() + " draining");
      // subscribers first, so they resume elsewhere while the rest drains; the edge port keeps
      // answering /ready with 503 until the other verticles are gone
      // a load balancer polling /ready needs a moment to stop routing new subscribers here
      Future<Void> delay = config.drainDelaySeconds() == 0 ? Future.succeededFuture()
          : vertx.timer(config.drainDelaySeconds() * 1000L).mapEmpty();
      Future<Void> chain = edge == null ? delay
          : delay.compose(v -> edge.closeStreams().otherwiseEmpty());
      for (int i = deployments.size() - 1; i >= 0; i--) {
        String id = deployments.get(i);
        if (!id.equals(edgeDeployment)) {
          chain = chain.compose(v -> vertx.undeploy(id));
        }
      }
      if (edgeDeployment != null) {
        chain = chain.compose(v -> vertx.undeploy(edgeDeployment));
      }
      // "left" is Hazelcast's SHUTDOWN event, not vertx.close()'s future: that future is bound to an
      // event loop that the close itself terminates, so its listeners may never run
      CompletableFuture<Void> left = new CompletableFuture<>();
      if (!hazelcast.getLifecycleService().isRunning()) {
        left.complete(null);
      } else {
        hazelcast.getLifecycleService().addLifecycleListener(e -> {
          if (e.getState() == LifecycleEvent.LifecycleState.SHUTDOWN) {
            left.complete(null);
          }
        });
      }
      chain.onComplete(ar -> vertx.close());
      stopping = Future.fromCompletionStage(left)
          .onComplete(ar -> LOG.info("node " + config.cluster().nodeName() + " left the cluster"));
    }
    return stopping;
  }

  /**
   * @return the edge port actually bound: the edge's, or without the edge role the port serving
   *     health, readiness and metrics
   */
  public int httpPort() {
    if (edge != null) {
      return edge.actualPort();
    }
    return operations == null ? -1 : operations.actualPort();
  }

  /** @return the publish port actually bound, -1 without the producer role */
  public int publishPort() {
    return producer == null ? -1 : producer.actualPort();
  }

  /** @return the node's configuration */
  public NodeConfig config() {
    return config;
  }

  /** @return the node's Vert.x */
  public Vertx vertx() {
    return vertx;
  }

  /** @return the node's publisher, for producers embedded on this node */
  public StreamPublisher publisher() {
    return publisher;
  }

  /** @return the node's Hazelcast member, for tests that pull it from under the node */
  HazelcastInstance hazelcast() {
    return hazelcast;
  }

  /** @return the node's job manager, null without the producer role (register your own kinds before start) */
  public JobManager jobs() {
    return jobs;
  }

  /** @return open streaming connections on this node (tests wait on it; operators read the meters) */
  int connections() {
    return edge == null ? 0 : edge.connections();
  }
}
