package io.streamcast.edge;

import io.streamcast.core.ApiError;
import io.streamcast.core.InvalidRequestException;
import io.streamcast.core.NodeReadiness;
import io.streamcast.core.ResumePosition;
import io.streamcast.core.StreamAccess;
import io.streamcast.core.StreamName;
import io.streamcast.edge.delivery.DeliveryMeters;
import io.streamcast.edge.delivery.StreamAbsentException;
import io.streamcast.edge.delivery.StreamFeed;
import io.streamcast.edge.delivery.StreamFeeds;
import io.streamcast.edge.delivery.SubscriptionLedger;
import io.streamcast.edge.transport.HttpSink;
import io.streamcast.edge.transport.WireFormat;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /streams/{stream}}: checks the request (name, position, limits, access) before any
 * byte of a stream, then opens a subscription at the requested position, writing to an {@link HttpSink}.
 */
final class SubscribeHandler implements Handler<RoutingContext> {

  private final StreamFeeds feeds;
  private final SubscriptionLedger ledger;
  private final DeliveryMeters meters;
  private final NodeReadiness readiness;
  private final int maxConnections;
  private final StreamAccess access;
  /** Open streams per user on this node before 429; 0: no limit. Needs auth (the user is the token's sub). */
  private final int maxConnectionsPerUser;
  /** Seconds a client refused by the per-user limit is told to wait: one of its streams may end by then. */
  static final int USER_LIMIT_RETRY_AFTER_SECONDS = 5;
  /** Bytes one user may receive per window on this node ({@code --max-bytes-per-minute-per-user}); 0: no limit. */
  private final long maxBytesPerWindow;

  /** True while the node is short of memory: new subscriptions are refused ({@code 503 capacity}). */
  private final BooleanSupplier underPressure;
  /** Seconds a client refused for memory pressure is told to wait. */
  static final int CAPACITY_RETRY_AFTER_SECONDS = 5;

  SubscribeHandler(StreamFeeds feeds, SubscriptionLedger ledger, DeliveryMeters meters, NodeReadiness readiness,
      int maxConnections,
      StreamAccess access, int maxConnectionsPerUser, long maxBytesPerWindow, BooleanSupplier underPressure) {
    this.underPressure = underPressure;
    this.access = access;
    this.maxConnectionsPerUser = access.enabled() ? maxConnectionsPerUser : 0;
    this.maxBytesPerWindow = access.enabled() ? maxBytesPerWindow : 0;
    this.feeds = feeds;
    this.ledger = ledger;
    this.meters = meters;
    this.readiness = readiness;
    this.maxConnections = maxConnections;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String stream = StreamName.require(ctx.pathParam("stream"));
    ResumePosition position = ResumePosition.of(ctx.request().getHeader("Last-Event-ID"),
        single(ctx, "lastEventId"), single(ctx, "from"));
    WireFormat format = WireFormat.negotiate(ctx.request().getHeader(HttpHeaders.ACCEPT));
    HttpServerResponse response = ctx.response();
    if (!readiness.hasQuorum()) {
      ApiError.NO_QUORUM.send(response, readiness.noQuorum() + "; try another node", ApiError.NO_QUORUM_RETRY_AFTER_SECONDS);
      return;
    }
    if (!readiness.isServing()) {
      ApiError.UNAVAILABLE.send(response, "node is " + readiness.state().name().toLowerCase() + "; try another node", 1);
      return;
    }
    if (underPressure.getAsBoolean()) {
      refuseForCapacity(response);
      return;
    }
    if (ledger.connections() >= maxConnections) {
      ApiError.UNAVAILABLE.send(response, "node is at its connection limit (" + maxConnections + ")", 1);
      return;
    }
    // the token is checked before the feed is acquired: a refused client costs no bus consumer
    access.check(ctx.request(), stream, StreamAccess.Action.SUBSCRIBE).onComplete(granted -> {
      if (response.closed()) {
        return;
      }
      if (granted.failed()) {
        if (granted.cause() instanceof InvalidRequestException invalid) {
          meters.refused(invalid.error());
        }
        ctx.fail(granted.cause());
        return;
      }
      long expiresAt = granted.result().expiresAtMillis();
      String user = maxConnectionsPerUser > 0 || maxBytesPerWindow > 0 ? granted.result().userKey() : null;
      // checked before the feed is acquired too, so a client hammering at its limit costs no bus consumer
      if (refusedOverUserLimit(user, response)) {
        return;
      }
      feeds.acquire(stream).onComplete(ar -> {
        if (response.closed()) {
          return;
        }
        if (ar.failed()) {
          if (ar.cause() instanceof StreamAbsentException) {
            refuseForCapacity(response);
          } else {
            ctx.fail(ar.cause());
          }
          return;
        }
        // again, now: the acquire is asynchronous, and other requests of the user may have opened
        // meanwhile; from here to the subscription's opening nothing else runs on this loop
        if (refusedOverUserLimit(user, response)) {
          return;
        }
        start(ar.result(), position, response, new HttpSink(ctx.request(), format), expiresAt, user);
      });
    });
  }

  private void refuseForCapacity(HttpServerResponse response) {
    meters.refused(ApiError.CAPACITY);
    ApiError.CAPACITY.send(response, "node is short of memory and takes no new subscriptions; try another node"
        + " or retry later", CAPACITY_RETRY_AFTER_SECONDS);
  }

  /**
   * Answers 429 when {@code user} already holds the per-user limit of streams here, or has received its
   * bytes of the current window; true when refused.
   */
  private boolean refusedOverUserLimit(String user, HttpServerResponse response) {
    if (user == null) {
      return false;
    }
    int quotaRetryAfter = ledger.quotaRetryAfterSeconds(user, System.currentTimeMillis());
    if (quotaRetryAfter > 0) {
      meters.refused(ApiError.QUOTA_EXCEEDED);
      ApiError.QUOTA_EXCEEDED.send(response, SubscriptionLedger.quotaSpent(maxBytesPerWindow, quotaRetryAfter),
          quotaRetryAfter);
      return true;
    }
    if (maxConnectionsPerUser == 0 || ledger.connectionsOf(user) < maxConnectionsPerUser) {
      return false;
    }
    meters.refused(ApiError.RATE_LIMITED);
    ApiError.RATE_LIMITED.send(response, "this user already has " + maxConnectionsPerUser
        + " open streams on this node (the per-user limit, --max-connections-per-user " + maxConnectionsPerUser
        + "); close one or retry later", USER_LIMIT_RETRY_AFTER_SECONDS);
    return true;
  }

  private void start(StreamFeed feed, ResumePosition position, HttpServerResponse response, HttpSink sink,
      long expiresAt, String user) {
    long completed = feed.completedSeq();
    if (feed.deleted()) {
      // history is gone: only a client that was mid-stream is owed something, the news that it
      // missed the rest (a gap positioned at the end, so its next reconnect gets 204)
      if (position instanceof ResumePosition.After after && after.id().epoch().equals(feed.epoch())
          && after.id().seq() < completed) {
        ledger.open(feed, sink, expiresAt, user).endDeleted(after.id().toString());
      } else {
        response.setStatusCode(204).end();
      }
      // a tombstone has nothing to feed: drop the feed now rather than after the linger time
      feed.closeIfUnused();
      return;
    }
    if (position instanceof ResumePosition.Latest) {
      if (completed >= 0) {
        response.setStatusCode(204).end();
      } else {
        ledger.open(feed, sink, expiresAt, user).startLive();
      }
    } else if (position instanceof ResumePosition.Earliest) {
      ledger.open(feed, sink, expiresAt, user).startReplay(0, false, null);
    } else if (position instanceof ResumePosition.After after) {
      if (!after.id().epoch().equals(feed.epoch())) {
        // an id of an earlier history (the whole cluster restarted): say so, then replay all
        ledger.open(feed, sink, expiresAt, user)
            .startReplay(0, false, after.id().toString());
      } else if (completed >= 0 && after.id().seq() >= completed) {
        response.setStatusCode(204).end();
      } else {
        ledger.open(feed, sink, expiresAt, user)
            .startReplay(after.id().seq() + 1, true, null);
      }
    }
  }

  private static String single(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParam(name);
    if (values.size() > 1) {
      throw new InvalidRequestException(ApiError.BAD_PARAMETER, "'" + name + "' given more than once");
    }
    return values.isEmpty() ? null : values.get(0);
  }
}
