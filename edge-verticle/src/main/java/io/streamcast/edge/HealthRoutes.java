package io.streamcast.edge;

import io.streamcast.core.ClusterMembers;
import io.streamcast.core.NodeReadiness;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /health} and {@code GET /ready} per the contract. */
final class HealthRoutes {

  private final ClusterMembers members;
  private final NodeReadiness readiness;

  HealthRoutes(ClusterMembers members, NodeReadiness readiness) {
    this.members = members;
    this.readiness = readiness;
  }

  /** Liveness plus the cluster as this node sees it. */
  void health(RoutingContext ctx) {
    JsonObject body = new JsonObject()
        .put("status", "UP")
        .put("node", members.self())
        .put("members", new JsonArray(members.names()))
        .put("state", readiness.state().name());
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.encode());
  }

  /** 200 only while in the cluster and serving: load balancers stop sending clients otherwise. */
  void ready(RoutingContext ctx) {
    boolean ready = readiness.isServing() && members.joined();
    ctx.response().setStatusCode(ready ? 200 : 503)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (!ready) {
      ctx.response().putHeader("Retry-After", "1");
    }
    ctx.response().end(new JsonObject().put("ready", ready).put("state", readiness.state().name()).encode());
  }
}
