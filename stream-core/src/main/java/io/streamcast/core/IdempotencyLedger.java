package io.streamcast.core;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * Which {@code Idempotency-Key}s were already published, cluster-wide, in the Hazelcast map
 * {@value #MAP}: a retry on any node finds the first attempt's id.
 *
 * <p>A key is first claimed with a short-lived marker, atomically on the key's owner, so two
 * concurrent attempts with one key never both append. The marker expires on its own if the
 * claiming node dies mid-publish, letting a later retry proceed.
 */
public final class IdempotencyLedger {

  /** Name of the Hazelcast map of keys. */
  public static final String MAP = "streamcast.idempotency";

  private static final String IN_PROGRESS = "";
  private static final long CLAIM_TTL_MILLIS = 15_000;
  private static final long POLL_MILLIS = 50;
  private static final int MAX_POLLS = 100;

  private final Vertx vertx;
  private final IMap<String, String> map;
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
    this.map = hazelcast.getMap(MAP);
    this.windowMillis = TimeUnit.SECONDS.toMillis(windowSeconds);
  }

  /**
   * Claims {@code key} for {@code stream}; when another attempt holds it, waits (bounded) for that
   * attempt's outcome.
   *
   * @return the claim; fails with {@code idempotency_in_progress} when the other attempt takes too long
   */
  public Future<Claim> claim(String stream, String key) {
    return claim(entry(stream, key), vertx.getOrCreateContext(), 0);
  }

  private Future<Claim> claim(String entry, Context ctx, int polls) {
    return Future.fromCompletionStage(map.submitToKey(entry, new KeepFirstValue(IN_PROGRESS, CLAIM_TTL_MILLIS)), ctx)
        .compose(existing -> {
          if (existing == null) {
            return Future.succeededFuture(new Owned());
          }
          if (!existing.equals(IN_PROGRESS)) {
            return Future.succeededFuture(new AlreadyPublished(existing));
          }
          if (polls >= MAX_POLLS) {
            return Future.failedFuture(new InvalidRequestException(ApiError.IDEMPOTENCY_IN_PROGRESS,
                "another request with this Idempotency-Key is still being published; retry later"));
          }
          return vertx.timer(POLL_MILLIS).compose(t -> claim(entry, ctx, polls + 1));
        });
  }

  /** Records the id a claimed key was published as, for the dedupe window. */
  public Future<Void> record(String stream, String key, String id) {
    return Future.fromCompletionStage(
        map.setAsync(entry(stream, key), id, windowMillis, TimeUnit.MILLISECONDS), vertx.getOrCreateContext());
  }

  /** Gives a claimed key up after a failed publish, so a retry can publish. */
  public Future<Void> release(String stream, String key) {
    return Future.fromCompletionStage(map.removeAsync(entry(stream, key)), vertx.getOrCreateContext()).mapEmpty();
  }

  private static String entry(String stream, String key) {
    // stream names never hold a newline, so the pair is unambiguous
    return stream + '\n' + key;
  }
}
