package io.streamcast.producer.jobs;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.streamcast.core.ClusterFutures;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * Every job's record, readable from any node: a Hazelcast map from job id to its JSON ({@code job,
 * kind, stream, state, progress, node, started, ended}, and {@code error} when it failed or was
 * cancelled). Written by the node running the job: when it starts, when its progress changes (at
 * most once a second) and when it ends; an ended record expires after the configured time.
 */
public final class JobDirectory {

  /** The Hazelcast map of job records. */
  public static final String MAP = "streamcast.jobs";
  /** States of a job. */
  public static final String RUNNING = "running";

  private final Vertx vertx;
  private final IMap<String, String> map;

  /**
   * @param vertx the node's Vert.x
   * @param hazelcast the node's member
   */
  public JobDirectory(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(MAP);
  }

  /** Stores a record; a record of an ended job expires after {@code ttlSeconds} (0: never). */
  Future<Void> put(JsonObject record, int ttlSeconds) {
    return store(vertx, map, record, ttlSeconds);
  }

  /** Stores a job's JSON under its {@code job} id in {@code map}, expiring after {@code ttlSeconds} (0: never). */
  static Future<Void> store(Vertx vertx, IMap<String, String> map, JsonObject json, int ttlSeconds) {
    try {
      return ClusterFutures.on(map.setAsync(json.getString("job"), json.encode(), ttlSeconds, TimeUnit.SECONDS)
          .toCompletableFuture(), vertx.getOrCreateContext()).mapEmpty();
    } catch (RuntimeException e) {
      // a member that is gone throws at once rather than failing the stage
      return Future.failedFuture(e);
    }
  }

  /** @return the job's record, null when there is none (never was, or expired) */
  public Future<JsonObject> get(String id) {
    return ClusterFutures.on(map.getAsync(id), vertx.getOrCreateContext())
        .map(s -> s == null ? null : new JsonObject(s));
  }
}
