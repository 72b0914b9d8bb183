package io.streamcast.producer.jobs;

import io.streamcast.producer.PublishedEvent;
import io.streamcast.producer.StreamPublisher;
import io.streamcast.producer.StreamWriter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a running {@link Job} gets: its stream to write on, a place to report progress, and its
 * cancellation. Use it on the job's context (where {@link Job#run} was called).
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

  JobContext(Vertx vertx, StreamPublisher publisher, String id, String kind, String stream, JsonObject parameters) {
    this.vertx = vertx;
    this.publisher = publisher;
    this.id = id;
    this.kind = kind;
    this.stream = stream;
    this.parameters = parameters;
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
    return publisher.publish(stream, type, data.getBytes(StandardCharsets.UTF_8), null);
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
