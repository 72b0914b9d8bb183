package io.streamcast.producer.jobs;

import io.streamcast.producer.PublishedEvent;
import io.streamcast.producer.StreamPublisher;
import io.streamcast.producer.StreamWriter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What a running {@link Job} gets: its stream to write on, a place to report progress, its
 * checkpoints (restartable kinds), and its cancellation. Use it on the job's context (where {@link
 * Job#run} was called).
 */
public final class JobContext {

  private final Vertx vertx;
  private final StreamPublisher publisher;
  private final String id;
  private final String kind;
  private final String stream;
  private final JsonObject parameters;
  private final List<Handler<String>> cancelHandlers = new ArrayList<>();
  private String cancelled;
  private Double progress;
  private boolean progressChanged;
  private final List<StreamWriter> writers = new ArrayList<>();
  /** Stores a checkpoint where another node finds it; null for a kind that is not restartable. */
  private final Function<JsonObject, Future<Void>> checkpoints;
  private final int restarts;
  private JsonObject checkpoint;
  private int publishing;
  private List<Promise<Void>> settledWaiters = new ArrayList<>();

  /**
   * @param checkpoint the checkpoint a restarted run starts from, null on a first run
   * @param checkpoints stores a checkpoint (restartable kinds), null otherwise
   * @param restarts how often the job was restarted before this run
   */
  JobContext(Vertx vertx, StreamPublisher publisher, String id, String kind, String stream, JsonObject parameters,
      JsonObject checkpoint, Function<JsonObject, Future<Void>> checkpoints, int restarts) {
    this.vertx = vertx;
    this.publisher = publisher;
    this.id = id;
    this.kind = kind;
    this.stream = stream;
    this.parameters = parameters;
    this.checkpoint = checkpoint;
    this.checkpoints = checkpoints;
    this.restarts = restarts;
  }

  /** @return the job's id */
  public String id() {
    return id;
  }

  /** @return the job's kind */
  public String kind() {
    return kind;
  }

  /** @return the stream the job owns (clients subscribe to it) */
  public String stream() {
    return stream;
  }

  /** @return the request's parameters (as the factory saw them) */
  public JsonObject parameters() {
    return parameters;
  }

  /** @return the node's Vert.x */
  public Vertx vertx() {
    return vertx;
  }

  /**
   * Publishes one event on the job's stream.
   *
   * @param type a publishable event type ({@code message}, {@code progress}, {@code row}, ...)
   * @param data UTF-8 text
   * @return once the event is in replicated history and published
   */
  public Future<PublishedEvent> publish(String type, String data) {
    return publish(type, data, null);
  }

  /**
   * Publishes one event that a restarted run may publish again: the stream appends it once, however
   * often it is published with the same key (within the node's idempotency window), on whichever node.
   * A restartable kind names each event by its place in the work ({@code step-7}, {@code done}) so that
   * what it repeats after its checkpoint is not appended twice.
   *
   * @param idempotencyKey 1-255 visible ASCII characters, unique within the job; null: none
   * @return once the event is in replicated history and published (or found there already); fails
   *     at once after the job was cancelled or handed over
   */
  public Future<PublishedEvent> publish(String type, String data, String idempotencyKey) {
    if (cancelled != null) {
      // a job handed over to another node must not append behind its successor's back
      return Future.failedFuture(new IllegalStateException("job " + id + " was stopped (" + cancelled + ")"));
    }
    publishing++;
    return publisher.publish(stream, type, data.getBytes(StandardCharsets.UTF_8), idempotencyKey)
        .onComplete(ar -> {
          if (--publishing == 0) {
            List<Promise<Void>> waiters = settledWaiters;
            settledWaiters = new ArrayList<>();
            waiters.forEach(Promise::tryComplete);
          }
        });
  }

  /**
   * Records how far the job is, for a restart elsewhere (a restartable kind; for other kinds it is
   * only kept here). Record it after the events it covers were published: a restart repeats what came
   * after it (publish those with idempotency keys), and never what came before.
   *
   * @param state small JSON (it is stored in the cluster on every call; writes are coalesced)
   * @return once stored in the cluster (the latest checkpoint wins)
   */
  public Future<Void> checkpoint(JsonObject state) {
    if (cancelled != null) {
      return Future.failedFuture(new IllegalStateException("job " + id + " was stopped (" + cancelled + ")"));
    }
    checkpoint = state.copy();
    return checkpoints == null ? Future.succeededFuture() : checkpoints.apply(checkpoint);
  }

  /** @return the last checkpoint: on a restarted run, the one it restarts from at first; null if none */
  public JsonObject checkpoint() {
    return checkpoint == null ? null : checkpoint.copy();
  }

  /** @return how often the job was restarted on another node before this run (0 on its first run) */
  public int restarts() {
    return restarts;
  }

  /** @return once no publish of {@link #publish} is in flight */
  Future<Void> settled() {
    if (publishing == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    settledWaiters.add(p);
    return p.future();
  }

  /**
   * A writer that batches small writes (tokens) into few events of {@code type} on the job's
   * stream (see {@link StreamWriter}); flushed before the stream completes.
   *
   * @param lingerMillis how long a first write waits for more
   */
  public StreamWriter writer(String type, long lingerMillis) {
    StreamWriter w = publisher.writer(stream, type, lingerMillis, 16 * 1024);
    writers.add(w);
    return w;
  }

  /** Reports progress, a fraction 0-1, shown by {@code GET /jobs/{id}} (stored at most once a second). */
  public void progress(double fraction) {
    double f = Math.max(0, Math.min(1, fraction));
    if (progress == null || progress != f) {
      progress = f;
      progressChanged = true;
    }
  }

  /** @return the last progress reported, null if none */
  public Double progress() {
    return progress;
  }

  /** @return whether progress changed since the last call (the manager stores it then) */
  boolean takeProgressChange() {
    boolean changed = progressChanged;
    progressChanged = false;
    return changed;
  }

  /**
   * Registers what to release when the job is cancelled (a cursor, a connection, a timer). Runs at
   * once if it already is.
   *
   * @param handler gets the cancellation's reason code ({@code job_cancelled}, {@code job_idle},
   *     {@code job_timeout}, {@code job_interrupted})
   */
  public JobContext onCancel(Handler<String> handler) {
    if (cancelled != null) {
      handler.handle(cancelled);
    } else {
      cancelHandlers.add(handler);
    }
    return this;
  }

  /** @return whether the job was cancelled (stop working, release everything) */
  public boolean isCancelled() {
    return cancelled != null;
  }

  /** Cancels: every handler runs once; later calls do nothing. */
  void cancel(String code) {
    if (cancelled != null) {
      return;
    }
    cancelled = code;
    for (Handler<String> h : cancelHandlers) {
      try {
        h.handle(code);
      } catch (RuntimeException e) {
        // one handler's failure must not keep the others from releasing their resources
        java.util.logging.Logger.getLogger(JobContext.class.getName())
            .warning("job " + id + ": a cancel handler failed: " + e);
      }
    }
    cancelHandlers.clear();
  }

  /** @return once every writer's pending writes are appended */
  Future<Void> flushWriters() {
    List<Future<Void>> all = new ArrayList<>();
    for (StreamWriter w : writers) {
      all.add(w.flush());
    }
    return Future.all(all).mapEmpty();
  }
}
