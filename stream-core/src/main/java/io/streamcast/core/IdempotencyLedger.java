package io.streamcast.core;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Which {@code Idempotency-Key}s were already published, cluster-wide, in the Hazelcast map
 * {@value #MAP}: a retry on any node finds the first attempt's id.
 *
 * <p>A key is first claimed with a short-lived marker, atomically on the key's owner, so two
 * concurrent attempts with one key never both append. The marker names the claiming member: when
 * that member has left the cluster (it died mid-publish), the next attempt takes the claim over and
 * first looks the key up in the stream's history (events carry their key), because the dead
 * member may have appended the event without living to record its id. A failed append is looked up
 * the same way before its claim is given up. The marker also expires on its own.
 */
public final class IdempotencyLedger {

  /** Name of the Hazelcast map of keys. */
  public static final String MAP = "streamcast.idempotency";

  /** Claim markers start with this; ids never do. An empty marker is an older node's claim. */
  private static final String CLAIM_PREFIX = "~";
  private static final long CLAIM_TTL_MILLIS = 15_000;
  private static final long POLL_MILLIS = 50;
  private static final int MAX_POLLS = 100;
  /** Publish clocks of members differ a little: look this much further back in history. */
  private static final long CLOCK_SKEW_MILLIS = 5_000;
  /** Bound on the events a history lookup reads. */
  private static final int MAX_SCAN = 20_000;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> map;
  private final StreamHistory history;
  private final long windowMillis;

  /** What a claim found. */
  public sealed interface Claim {
  }

  /** The caller owns the key and must {@link #record} or {@link #release} it. */
  public record Owned() implements Claim {
  }

  /** The key was published before, as {@code id}. */
  public record AlreadyPublished(String id) implements Claim {
  }

  /**
   * @param vertx the node's Vert.x
   * @param hazelcast the member Vert.x's cluster manager runs
   * @param windowSeconds how long a key is remembered after its publish
   */
  public IdempotencyLedger(Vertx vertx, HazelcastInstance hazelcast, int windowSeconds) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP);
    this.history = new StreamHistory(vertx, hazelcast);
    this.windowMillis = TimeUnit.SECONDS.toMillis(windowSeconds);
  }

  /**
   * Claims {@code key} for {@code stream}; when another attempt holds it, waits (bounded) for that
   * attempt's outcome.
   *
   * @return the claim; fails with {@code idempotency_in_progress} when the other attempt takes too long
   */
  public Future<Claim> claim(String stream, String key) {
    // unique per attempt: an entry processor Hazelcast re-runs after a member left finds this very
    // marker, and must not mistake its own claim for another's
    String marker = CLAIM_PREFIX + hazelcast.getCluster().getLocalMember().getUuid() + CLAIM_PREFIX
        + UUID.randomUUID();
    return claim(stream, key, marker, vertx.getOrCreateContext(), 0);
  }

  private Future<Claim> claim(String stream, String key, String marker, Context ctx, int polls) {
    String entry = entry(stream, key);
    return ClusterFutures.on(map.submitToKey(entry, new KeepFirstValue(marker, CLAIM_TTL_MILLIS)), ctx)
        .compose(existing -> {
          if (existing == null || existing.equals(marker)) {
            return Future.succeededFuture(new Owned());
          }
          if (!isClaim(existing)) {
            return Future.succeededFuture(new AlreadyPublished(existing));
          }
          if (claimantLeft(existing)) {
            return takeOver(stream, key, existing, marker, ctx, polls);
          }
          if (polls >= MAX_POLLS) {
            return Future.failedFuture(new InvalidRequestException(ApiError.IDEMPOTENCY_IN_PROGRESS,
                "another request with this Idempotency-Key is still being published; retry later"));
          }
          return vertx.timer(POLL_MILLIS).compose(t -> claim(stream, key, marker, ctx, polls + 1));
        });
  }

  /**
   * The member that claimed the key died: replace its marker with ours (atomically, so only one
   * attempt takes over), then learn from history whether it had appended the event.
   */
  private Future<Claim> takeOver(String stream, String key, String orphan, String marker, Context ctx, int polls) {
    String entry = entry(stream, key);
    return ClusterFutures.on(map.submitToKey(entry, new ReplaceValue(orphan, marker, CLAIM_TTL_MILLIS)), ctx)
        .compose(current -> {
          if (current == null || !current.equals(marker)) {
            // someone else took it over, recorded it, or it expired: start again
            return polls >= MAX_POLLS ? claim(stream, key, marker, ctx, MAX_POLLS)
                : claim(stream, key, marker, ctx, polls + 1);
          }
          return lookUp(stream, key).compose(id -> id == null ? Future.succeededFuture((Claim) new Owned())
              : record(stream, key, id).map(v -> (Claim) new AlreadyPublished(id)));
        });
  }

  /** @return the id of an event with this key in the stream's recent history, or null */
  private Future<String> lookUp(String stream, String key) {
    long since = System.currentTimeMillis() - CLAIM_TTL_MILLIS - CLOCK_SKEW_MILLIS;
    return history.findIdempotencyKey(stream, key, since, MAX_SCAN);
  }

  private boolean isClaim(String value) {
    return value.isEmpty() || value.startsWith(CLAIM_PREFIX);
  }

  /** @return whether the marker names a member that is no longer in the cluster */
  private boolean claimantLeft(String marker) {
    int end = marker.indexOf(CLAIM_PREFIX, 1);
    if (!marker.startsWith(CLAIM_PREFIX) || end < 0) {
      return false;
    }
    String member = marker.substring(1, end);
    for (Member m : hazelcast.getCluster().getMembers()) {
      if (m.getUuid().toString().equals(member)) {
        return false;
      }
    }
    return true;
  }

  /** Records the id a claimed key was published as, for the dedupe window. */
  public Future<Void> record(String stream, String key, String id) {
    return ClusterFutures.on(
        map.setAsync(entry(stream, key), id, windowMillis, TimeUnit.MILLISECONDS), vertx.getOrCreateContext());
  }

  /**
   * Gives a claimed key up after a failed publish, so a retry can publish; unless the append did
   * reach history after all (it failed after the backup had it, say): then the key is recorded with
   * that event's id, and the retry gets it instead of appending a second copy.
   */
  public Future<Void> release(String stream, String key) {
    Context ctx = vertx.getOrCreateContext();
    return lookUp(stream, key).transform(found -> {
      if (found.succeeded() && found.result() != null) {
        return record(stream, key, found.result());
      }
      return ClusterFutures.on(map.removeAsync(entry(stream, key)), ctx).mapEmpty();
    });
  }

  private static String entry(String stream, String key) {
    // stream names never hold a newline, so the pair is unambiguous
    return stream + '\n' + key;
  }
}
