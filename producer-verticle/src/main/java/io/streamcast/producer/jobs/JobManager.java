package io.streamcast.producer.jobs;

import io.streamcast.core.ApiError;
import io.streamcast.core.StreamName;
import io.streamcast.core.SubscriberCounts;
import io.streamcast.producer.StreamPublisher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Runs jobs on a producer node: takes start requests from any node over the clustered event bus
 * (one address shared by every producer node, so each request goes to one of them), runs the job on
 * this verticle's event loop, keeps its record in the {@link JobDirectory}, and cancels it on
 * request, when it runs too long, when nobody has subscribed to its stream for too long, and when
 * the node drains.
 *
 * <p>Register kinds with {@link #register}, before or after deploying.
 */
public final class JobManager extends VerticleBase {

  /** Address of start requests, consumed by every producer node (point to point: one of them answers). */
  public static final String START_ADDRESS = "streamcast.jobs.start";
  /** Prefix of each node's own address, for cancelling the jobs it runs. */
  public static final String NODE_ADDRESS_PREFIX = "streamcast.jobs.node.";
  /** Prefix of the stream a job owns: {@code job.<id>}. */
  public static final String STREAM_PREFIX = "job.";

  private static final Logger LOG = Logger.getLogger(JobManager.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String nodeName;
  private final StreamPublisher publisher;
  private final JobDirectory directory;
  private final SubscriberCounts counts;
  private final JobsConfig config;
  /** Written by whoever registers a kind (any thread), read on this verticle's event loop. */
  private final Map<String, JobKind> kinds = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Running> running = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  /** A job running here. */
  private static final class Running {
    final JobContext context;
    final JsonObject record;
    final long startedMillis;
    long lastHeardMillis;
    long lastCheckMillis;
    boolean checking;

    Running(JobContext context, JsonObject record, long startedMillis) {
      this.context = context;
      this.record = record;
      this.startedMillis = startedMillis;
      this.lastHeardMillis = startedMillis;
    }
  }

  /**
   * @param nodeName this node's name (shown as the job's {@code node}; its cancel address)
   * @param publisher the node's publisher
   * @param directory job records
   * @param counts cluster-wide subscribers per stream (idle cancellation)
   * @param config idle and maximum times
   */
  public JobManager(String nodeName, StreamPublisher publisher, JobDirectory directory, SubscriberCounts counts,
      JobsConfig config) {
    this.nodeName = nodeName;
    this.publisher = publisher;
    this.directory = directory;
    this.counts = counts;
    this.config = config;
  }

  /**
   * Registers a kind this node runs, from any thread (a later kind of the same name replaces it).
   *
   * @return this manager
   */
  public JobManager register(JobKind kind) {
    kinds.put(kind.name(), kind);
    return this;
  }

  /** @return the event-bus address cancelling jobs that run on node {@code nodeName} */
  public static String nodeAddress(String nodeName) {
    return NODE_ADDRESS_PREFIX + nodeName;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<JsonObject> starts = vertx.eventBus().consumer(START_ADDRESS, this::onStart);
    MessageConsumer<JsonObject> cancels = vertx.eventBus().consumer(nodeAddress(nodeName), this::onCancel);
    consumers.add(starts);
    consumers.add(cancels);
    // one sweep a second for every job of the node: no timer per job
    vertx.setPeriodic(1000, id -> sweep());
    return Future.all(starts.completion(), cancels.completion());
  }

  /**
   * Drains: stops taking jobs, and ends every running job's stream with {@code event: error}
   * {@code job_interrupted} (its client learns the work stopped instead of waiting).
   */
  @Override
  public Future<?> stop() {
    List<Future<Void>> all = new ArrayList<>();
    for (MessageConsumer<?> c : consumers) {
      all.add(c.unregister());
    }
    for (String id : List.copyOf(running.keySet())) {
      all.add(cancel(id, "job_interrupted", "the node running the job is shutting down; start the job again"));
    }
    return Future.join(all);
  }

  private void onStart(Message<JsonObject> message) {
    JsonObject body = message.body();
    String kindName = body.getString("kind");
    JobKind kind = kinds.get(kindName);
    if (kind == null) {
      fail(message, ApiError.NOT_FOUND, "no job kind '" + kindName + "' on node " + nodeName);
      return;
    }
    long ofKind = running.values().stream().filter(r -> r.context.kind().equals(kindName)).count();
    if (ofKind >= kind.maxPerNode()) {
      fail(message, ApiError.CAPACITY, "node " + nodeName + " runs " + ofKind + " jobs of kind '" + kindName
          + "', its most");
      return;
    }
    JsonObject parameters = body.getJsonObject("parameters", new JsonObject());
    Job job;
    try {
      job = kind.factory().apply(parameters.copy());
    } catch (IllegalArgumentException | ClassCastException e) {
      fail(message, ApiError.BAD_PARAMETER, "bad parameters for a '" + kindName + "' job: " + e.getMessage());
      return;
    } catch (RuntimeException e) {
      // a factory's own bug: the requester gets an answer now rather than a timeout
      LOG.warning("job kind " + kindName + ": its factory failed: " + e);
      fail(message, ApiError.INTERNAL, "the '" + kindName + "' job could not be made: " + e);
      return;
    }
    String id = newId();
    String stream = STREAM_PREFIX + id;
    StreamName.require(stream);
    long now = System.currentTimeMillis();
    JsonObject record = new JsonObject().put("job", id).put("kind", kindName).put("stream", stream)
        .put("state", JobDirectory.RUNNING).putNull("progress").put("node", nodeName)
        .put("started", Instant.ofEpochMilli(now).toString()).putNull("ended");
    JobContext context = new JobContext(vertx, publisher, id, kindName, stream, parameters);
    Running r = new Running(context, record, now);
    running.put(id, r);
    // the record first: a client that reads it right after the 201 must find it
    // a running record outlives its job only if the node dies under it: bounded by the longest run
    int runningTtl = config.maxSeconds() == 0 ? 0 : config.maxSeconds() + config.recordSeconds();
    directory.put(record, runningTtl).onComplete(stored -> {
      if (stored.failed()) {
        running.remove(id);
        fail(message, ApiError.UNAVAILABLE, "could not record the job: " + stored.cause().getMessage());
        return;
      }
      message.reply(record.copy());
      LOG.info(() -> "job started: job=" + id + " kind=" + kindName + " node=" + nodeName);
      Future<?> run;
      try {
        run = job.run(context);
      } catch (RuntimeException e) {
        run = Future.failedFuture(e);
      }
      run.onComplete(ar -> finished(id, ar.succeeded() ? null : ar.cause()));
    });
  }

  private void onCancel(Message<JsonObject> message) {
    String id = message.body().getString("job");
    if (!running.containsKey(id)) {
      message.reply(new JsonObject().put("job", id).put("running", false));
      return;
    }
    cancel(id, "job_cancelled", "the job was cancelled (DELETE /jobs/" + id + ")")
        .onComplete(ar -> message.reply(new JsonObject().put("job", id).put("running", false)));
  }

  /** The job's own end: complete its stream, or fail it with the job's message. */
  private void finished(String id, Throwable failure) {
    Running r = running.get(id);
    if (r == null || r.context.isCancelled()) {
      return;
    }
    running.remove(id);
    Future<?> end;
    if (failure == null) {
      end = r.context.flushWriters().compose(v -> publisher.complete(r.context.stream()));
      r.record.put("state", "completed");
      if (r.context.progress() != null) {
        r.record.put("progress", 1.0);
      }
    } else {
      String why = failure.getMessage() == null ? failure.toString() : failure.getMessage();
      end = r.context.flushWriters().transform(ar -> publisher.fail(r.context.stream(), "job_failed", why));
      r.record.put("state", "failed").put("error", new JsonObject().put("error", "job_failed").put("message", why));
    }
    end.onFailure(e -> LOG.warning("job " + id + ": could not end its stream: " + e));
    r.record.put("ended", Instant.now().toString());
    directory.put(r.record, config.recordSeconds());
    LOG.info(() -> "job ended: job=" + id + " state=" + r.record.getString("state"));
  }

  /** Cancels a running job: its resources are released at once, then its stream ends with {@code code}. */
  private Future<Void> cancel(String id, String code, String message) {
    Running r = running.remove(id);
    if (r == null) {
      return Future.succeededFuture();
    }
    r.context.cancel(code);
    r.record.put("state", "job_interrupted".equals(code) ? "interrupted" : "cancelled")
        .put("error", new JsonObject().put("error", code).put("message", message))
        .put("ended", Instant.now().toString());
    if (r.context.progress() != null) {
      r.record.put("progress", r.context.progress());
    }
    LOG.info(() -> "job cancelled: job=" + id + " reason=" + code);
    Future<?> ended = publisher.fail(r.context.stream(), code, message)
        .onFailure(e -> LOG.warning("job " + id + ": could not end its stream: " + e));
    return Future.join(ended, directory.put(r.record, config.recordSeconds())).mapEmpty();
  }

  /** Once a second: progress into the records, and the time and idle limits. */
  private void sweep() {
    long now = System.currentTimeMillis();
    // how often a job asks for its stream's subscribers: often enough to cancel within about a
    // third of the idle time late, never more than once a second per job
    long idleCheckMillis = Math.max(1000, Math.min(10_000, config.idleCancelSeconds() * 1000L / 3));
    for (Map.Entry<String, Running> e : List.copyOf(running.entrySet())) {
      String id = e.getKey();
      Running r = e.getValue();
      if (config.maxSeconds() > 0 && now - r.startedMillis >= config.maxSeconds() * 1000L) {
        cancel(id, "job_timeout", "the job ran longer than " + config.maxSeconds() + " s (--job-max-seconds)");
        continue;
      }
      if (r.context.takeProgressChange()) {
        r.record.put("progress", r.context.progress());
        directory.put(r.record, config.maxSeconds() == 0 ? 0 : config.maxSeconds() + config.recordSeconds());
      }
      if (config.idleCancelSeconds() > 0 && !r.checking && now - r.lastCheckMillis >= idleCheckMillis) {
        r.checking = true;
        r.lastCheckMillis = now;
        counts.count(r.context.stream()).onComplete(ar -> {
          r.checking = false;
          long at = System.currentTimeMillis();
          if (ar.failed()) {
            return; // unknown: neither idle nor heard; the next check decides
          }
          if (ar.result() > 0) {
            r.lastHeardMillis = at;
          } else if (at - r.lastHeardMillis >= config.idleCancelSeconds() * 1000L) {
            cancel(id, "job_idle", "nobody subscribed to the job's stream for " + config.idleCancelSeconds()
                + " s (--job-idle-cancel-seconds)");
          }
        });
      }
    }
  }

  private static void fail(Message<?> message, ApiError error, String text) {
    message.fail(error.status(), text);
  }

  private static String newId() {
    byte[] b = new byte[9];
    RANDOM.nextBytes(b);
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return s.toString();
  }
}
