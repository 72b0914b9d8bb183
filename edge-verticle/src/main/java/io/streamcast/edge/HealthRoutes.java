package io.streamcast.edge;

import io.streamcast.core.ClusterMembers;
import io.streamcast.core.NodeReadiness;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code GET /health} and {@code GET /ready} per the contract (and {@code HEAD} of both). {@code /health} tells the truth about
 * the cluster member under the node: once it is gone (the node {@link NodeReadiness.State#FAILED},
 * or the member stopped running outside a drain) the answer is 503 {@code DOWN} with the reason, so
 * an orchestrator's liveness probe restarts the process even if the node's own exit did not.
 *
 * <p>{@code /health} also says {@code "auth": "on"} or {@code "off"}, so a node that lets anyone
 * subscribe and publish can be told from outside (issue 17).
 */
final class HealthRoutes {

  private static final String HEALTH = "/health";
  private static final String READY = "/ready";

  private final ClusterMembers members;
  private final NodeReadiness readiness;
  /** Read once while the member runs: a member that is shut down no longer answers for itself. */
  private final String self;
  /** {@code "on"} or {@code "off"}: fixed for the node's life. */
  private final String auth;

  HealthRoutes(ClusterMembers members, NodeReadiness readiness, boolean authEnabled) {
    this.members = members;
    this.readiness = readiness;
    this.auth = authEnabled ? "on" : "off";
    this.self = selfName(members);
  }

  /**
   * Mounts {@code /health} and {@code /ready} for {@code GET} and for {@code HEAD}: load balancers
   * and uptime checkers often probe with {@code HEAD}, and HTTP asks every server to answer it where
   * it answers {@code GET}. Vert.x sends a {@code HEAD} answer's status and headers without the body.
   */
  void mount(Router router) {
    for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.HEAD)) {
      router.route(method, HEALTH).handler(this::health);
      router.route(method, READY).handler(this::ready);
    }
  }

  /** @return the {@code Allow} header of a {@code 405} on {@code path}: every other route is {@code GET} only */
  static String allowed(String path) {
    return path.equals(HEALTH) || path.equals(READY) ? "GET, HEAD" : "GET";
  }

  /** Liveness plus the cluster as this node sees it. */
  void health(RoutingContext ctx) {
    String down = downReason();
    JsonObject body = new JsonObject()
        .put("status", down == null ? "UP" : "DOWN")
        .put("node", self)
        // a member that is gone is in no cluster: asking Hazelcast would throw or answer stale
        .put("members", new JsonArray(down == null ? members.names() : List.of()))
        .put("state", readiness.state().name())
        .put("auth", auth)
        // liveness stays UP without quorum: a restart would not help, the merge does
        .put("quorum", readiness.hasQuorum());
    if (down != null) {
      body.put("reason", down);
    }
    ctx.response().setStatusCode(down == null ? 200 : 503)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encode());
  }

  /**
   * 200 only while in the cluster, serving and with quorum: load balancers stop sending clients
   * otherwise.
   */
  void ready(RoutingContext ctx) {
    boolean ready = readiness.isServing() && members.joined();
    ctx.response().setStatusCode(ready ? 200 : 503)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (!ready) {
      ctx.response().putHeader("Retry-After", "1");
    }
    JsonObject body = new JsonObject().put("ready", ready).put("state", readiness.state().name());
    String down = downReason();
    if (down != null) {
      body.put("reason", down);
    } else if (!readiness.hasQuorum()) {
      body.put("quorum", false).put("reason", readiness.noQuorum());
    }
    ctx.response().end(body.encode());
  }

  /** @return why the node is down, null while it is up (a drain is not "down": the node chose it) */
  private String downReason() {
    String failure = readiness.failure();
    if (failure != null) {
      return failure;
    }
    // the node's watch notices within a moment; this answers right away in between
    if (!members.joined() && readiness.state() != NodeReadiness.State.DRAINING) {
      return "the cluster member under this node is not running";
    }
    return null;
  }

  private static String selfName(ClusterMembers members) {
    try {
      return members.self();
    } catch (RuntimeException memberAlreadyGone) {
      // HazelcastInstanceNotActiveException: the edge came up as the member went down; health says so
      return "unknown";
    }
  }
}
