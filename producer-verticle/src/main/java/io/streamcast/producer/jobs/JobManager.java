package io.streamcast.producer.jobs;

import io.streamcast.core.ApiError;
import io.streamcast.core.StreamName;
import io.streamcast.core.SubscriberCounts;
import io.streamcast.producer.StreamPublisher;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Runs jobs on a producer node: takes start requests from any node over the clustered event bus
 * (one address shared by every producer node, so each request goes to one of them), runs the job on
 * this verticle's event loop, keeps its record in the {@link JobDirectory}, and cancels it on
 * request, when it runs too long, when nobody has subscribed to its stream for too long, and when
 * the node drains. A job of a restartable kind is not cancelled by a drain but handed over: another
 * node restarts it from its last checkpoint on the same stream ({@link JobCheckpoints}); one whose
 * node left the cluster without a drain is adopted by a node with a free slot.
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

  /** How long a draining node waits for one node's answer to a handover. */
  private static final long HANDOVER_TIMEOUT_MILLIS = 10_000;
  /** How often a node looks for restartable jobs left by members that are gone. */
  private static final long ADOPT_EVERY_MILLIS = 10_000;
  /** How long a node waits for the list of restartable jobs before it looks again. */
  private static final long ADOPT_LIST_TIMEOUT_MILLIS = 5_000;
  private static final Logger LOG = Logger.getLogger(JobManager.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String nodeName;
  private final StreamPublisher publisher;
  private final JobDirectory directory;
  private final JobCheckpoints checkpoints;
  private final SubscriberCounts counts;
  private final JobsConfig config;
  /** Written by whoever registers a kind (any thread), read on this verticle's event loop. */
  private final Map<String, JobKind> kinds = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Running> running = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private UUID departures;
  private boolean stopping;
  private boolean adopting;
  private boolean adoptAgain;
  private long lastAdoptMillis;

  /** A job running here. */
  private final class Running {
    final JobContext context;
    final JsonObject record;
    final long startedMillis;
    /** Its entry in {@link JobCheckpoints} (restartable kinds), null otherwise. */
    final JsonObject entry;
    long lastHeardMillis;
    long lastCheckMillis;
    boolean checking;
    boolean saving;
    List<Promise<Void>> saveWaiters = new ArrayList<>();
    List<Promise<Void>> savedWaiters = new ArrayList<>();

    /**
     * @param checkpoint where a restarted run starts, null on a first run
     * @param entry the job's entry in {@link JobCheckpoints} for a restartable kind, null otherwise
     */
    Running(JsonObject record, JsonObject parameters, JsonObject checkpoint, int restarts, long startedMillis,
        JsonObject entry) {
      this.context = new JobContext(vertx, publisher, record.getString("job"), record.getString("kind"),
          record.getString("stream"), parameters, checkpoint, entry == null ? null : this::save, restarts);
      this.record = record;
      this.startedMillis = startedMillis;
      this.lastHeardMillis = System.currentTimeMillis();
      this.entry = entry;
    }

    /** One write in flight at a time, the latest checkpoint winning: a job may checkpoint every step. */
    Future<Void> save(JsonObject checkpoint) {
      entry.put("checkpoint", checkpoint);
      Promise<Void> p = Promise.promise();
      saveWaiters.add(p);
      if (!saving) {
        writeEntry();
      }
      return p.future();
    }

    private void writeEntry() {
      saving = true;
      List<Promise<Void>> these = saveWaiters;
      saveWaiters = new ArrayList<>();
      checkpoints.put(entry.copy(), runningTtl()).onComplete(ar -> {
        these.forEach(p -> p.handle(ar));
        if (!saveWaiters.isEmpty()) {
          writeEntry();
          return;
        }
        saving = false;
        List<Promise<Void>> drained = savedWaiters;
        savedWaiters = new ArrayList<>();
        drained.forEach(Promise::tryComplete);
      });
    }

    /** @return once every checkpoint recorded so far is stored */
    Future<Void> saved() {
      if (!saving) {
        return Future.succeededFuture();
      }
      Promise<Void> p = Promise.promise();
      savedWaiters.add(p);
      return p.future();
    }
  }

  /**
   * @param nodeName this node's name (shown as the job's {@code node}; its cancel address)
   * @param publisher the node's publisher
   * @param directory job records
   * @param checkpoints restartable jobs' entries, for restarting them elsewhere
   * @param counts cluster-wide subscribers per stream (idle cancellation)
   * @param config idle and maximum times
   */
  public JobManager(String nodeName, StreamPublisher publisher, JobDirectory directory, JobCheckpoints checkpoints,
      SubscriberCounts counts, JobsConfig config) {
    this.nodeName = nodeName;
    this.publisher = publisher;
    this.directory = directory;
    this.checkpoints = checkpoints;
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
    // a member that left without a drain leaves its restartable jobs behind: adopt those we can run
    departures = checkpoints.watchDepartures(() -> context.runOnContext(v -> adoptOrphans()));
    return Future.all(starts.completion(), cancels.completion());
  }

  /**
   * Drains: stops taking jobs; hands each running job of a restartable kind over to another node
   * (which restarts it from its last checkpoint on the same stream), and ends every other job's stream
   * with {@code event: error} {@code job_interrupted} (its client learns the work stopped instead of
   * waiting), as for a restartable job that no node takes.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    checkpoints.stopWatching(departures);
    List<Future<Void>> unregistered = new ArrayList<>();
    for (MessageConsumer<?> c : consumers) {
      unregistered.add(c.unregister());
    }
    // unregistered first, so that no handover comes back to this node
    return Future.join(unregistered).transform(v -> {
      List<Future<Void>> all = new ArrayList<>();
      for (String id : List.copyOf(running.keySet())) {
        Running r = running.get(id);
        all.add(r.entry != null ? handOver(id)
            : cancel(id, "job_interrupted", "the node running the job is shutting down; start the job again"));
      }
      return Future.join(all);
    });
  }

  private void onStart(Message<JsonObject> message) {
    JsonObject body = message.body();
    String kindName = body.getString("kind");
    JobKind kind = kinds.get(kindName);
    if (kind == null) {
      fail(message, ApiError.NOT_FOUND, "no job kind '" + kindName + "' on node " + nodeName);
      return;
    }
    long ofKind = running(kindName);
    if (ofKind >= kind.maxPerNode()) {
      fail(message, ApiError.CAPACITY, "node " + nodeName + " runs " + ofKind + " jobs of kind '" + kindName
          + "', its most");
      return;
    }
    if (body.containsKey("restart")) {
      takeOver(message, body.getString("restart"), body.getString("from"));
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
    JsonObject record = record(id, kindName, stream, Instant.ofEpochMilli(now).toString());
    JsonObject entry = !kind.restartable() ? null : new JsonObject().put("job", id).put("kind", kindName)
        .put("stream", stream).put("parameters", parameters).putNull("checkpoint").put("node", nodeName)
        .put("started", record.getString("started")).put("restarts", 0);
    Running r = new Running(record, parameters, null, 0, now, entry);
    running.put(id, r);
    // the record first: a client that reads it right after the 201 must find it, and so must a node
    // restarting the job should this one go at once
    // a running record outlives its job only if the node dies under it: bounded by the longest run
    Future<Void> stored = directory.put(record, runningTtl());
    if (entry != null) {
      stored = Future.all(stored, checkpoints.put(entry, runningTtl())).mapEmpty();
    }
    stored.onComplete(ar -> {
      if (ar.failed()) {
        running.remove(id);
        if (entry != null) {
          checkpoints.remove(id);
        }
        fail(message, ApiError.UNAVAILABLE, "could not record the job: " + ar.cause().getMessage());
        return;
      }
      message.reply(record.copy());
      LOG.info(() -> "job started: job=" + id + " kind=" + kindName + " node=" + nodeName);
      run(r, () -> job);
    });
  }

  private JsonObject record(String id, String kindName, String stream, String started) {
    return new JsonObject().put("job", id).put("kind", kindName).put("stream", stream)
        .put("state", JobDirectory.RUNNING).putNull("progress").put("node", nodeName)
        .put("started", started).putNull("ended");
  }

  private long running(String kindName) {
    return running.values().stream().filter(r -> r.context.kind().equals(kindName)).count();
  }

  private void run(Running r, java.util.function.Supplier<Job> job) {
    Future<?> run;
    try {
      run = job.get().run(r.context);
    } catch (RuntimeException e) {
      run = Future.failedFuture(e);
    }
    run.onComplete(ar -> finished(r, ar.succeeded() ? null : ar.cause()));
  }

  /** A draining node hands a job over: claim it, then restart it here. */
  private void takeOver(Message<JsonObject> message, String id, String fromNode) {
    checkpoints.claim(id, fromNode, nodeName).onComplete(ar -> {
      if (ar.failed()) {
        fail(message, ApiError.UNAVAILABLE, "could not claim job " + id + ": " + ar.cause().getMessage());
      } else if (ar.result() == null) {
        // ended meanwhile, or another node adopted it already: either way nobody needs to run it here
        message.reply(new JsonObject().put("job", id).put("restarted", false));
      } else {
        restart(ar.result()).onComplete(v -> message.reply(new JsonObject().put("job", id).put("restarted", true)
            .put("node", nodeName)));
      }
    });
  }

  /**
   * Restarts a job claimed for this node from its entry: the same id, stream and parameters, from its
   * last checkpoint.
   */
  private Future<Void> restart(JsonObject entry) {
    String id = entry.getString("job");
    String kindName = entry.getString("kind");
    JobKind kind = kinds.get(kindName);
    JsonObject parameters = entry.getJsonObject("parameters", new JsonObject());
    int restarts = entry.getInteger("restarts", 1);
    JsonObject record = record(id, kindName, entry.getString("stream"), entry.getString("started"))
        .put("restarts", restarts);
    long started;
    try {
      started = Instant.parse(entry.getString("started")).toEpochMilli();
    } catch (RuntimeException e) {
      started = System.currentTimeMillis();
    }
    Running r = new Running(record, parameters, entry.getJsonObject("checkpoint"), restarts, started, entry);
    running.put(id, r);
    LOG.info(() -> "job restarted: job=" + id + " kind=" + kindName + " node=" + nodeName + " restarts=" + restarts
        + " checkpoint=" + entry.getValue("checkpoint"));
    return directory.put(record, runningTtl()).onComplete(ar -> run(r, () -> kind.factory().apply(parameters.copy())));
  }

  /**
   * Hands a job of a restartable kind over to another node: stops it here (its timers and resources
   * released), waits for what it already published and checkpointed, then asks the producer nodes in
   * turn to restart it. If none takes it, its stream ends with {@code job_interrupted}.
   */
  private Future<Void> handOver(String id) {
    Running r = running.remove(id);
    r.context.cancel("job_interrupted");
    return r.context.flushWriters().otherwiseEmpty()
        .compose(v -> r.context.settled())
        .compose(v -> r.saved())
        .compose(v -> askRestart(r, 2 * checkpoints.members()))
        .onSuccess(v -> LOG.info(() -> "job handed over: job=" + id))
        .recover(failure -> {
          LOG.warning("job " + id + ": no node took it over (" + failure.getMessage() + "); interrupting it");
          return end(r, "job_interrupted", "the node running the job is shutting down and no other node could"
              + " take it over; start the job again");
        });
  }

  private Future<Void> askRestart(Running r, int attemptsLeft) {
    JsonObject request = new JsonObject().put("kind", r.context.kind()).put("restart", r.context.id())
        .put("from", nodeName);
    return vertx.eventBus().<JsonObject>request(START_ADDRESS, request,
            new DeliveryOptions().setSendTimeout(HANDOVER_TIMEOUT_MILLIS))
        .<Void>mapEmpty()
        .recover(failure -> {
          // a node without the kind or a free slot passes it on; anything else (no node at all) ends the search
          boolean refused = failure instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE;
          return refused && attemptsLeft > 1 ? askRestart(r, attemptsLeft - 1) : Future.failedFuture(failure);
        });
  }

  /** Adopts the restartable jobs of members that left without handing them over, as long as slots last. */
  private void adoptOrphans() {
    if (stopping) {
      return;
    }
    if (adopting) {
      // a departure during a pass that listed the members before it: look again right after
      adoptAgain = true;
      return;
    }
    adopting = true;
    adoptAgain = false;
    lastAdoptMillis = System.currentTimeMillis();
    // a listing that started as a member died may wait for that member's partitions for a long time:
    // give up on it and look again, rather than hold up every later pass
    checkpoints.orphans().timeout(ADOPT_LIST_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warning("could not look for jobs left by members that are gone (looking again): " + ar.cause());
        adopted();
        return;
      }
      if (!ar.result().isEmpty()) {
        LOG.info(() -> "jobs left by members that are gone: " + ar.result().size());
      }
      // one at a time, so that the slots counted are the slots left
      Future<Void> chain = Future.succeededFuture();
      for (JsonObject orphan : ar.result()) {
        chain = chain.compose(v -> {
          JobKind kind = kinds.get(orphan.getString("kind"));
          if (stopping || kind == null || running(kind.name()) >= kind.maxPerNode()) {
            return Future.succeededFuture();
          }
          return checkpoints.claim(orphan.getString("job"), orphan.getString("node"), nodeName)
              .compose(claimed -> claimed == null ? Future.succeededFuture() : restart(claimed))
              .otherwiseEmpty();
        });
      }
      chain.onComplete(v -> adopted());
    });
  }

  private void adopted() {
    adopting = false;
    if (adoptAgain && !stopping) {
      context.runOnContext(v -> adoptOrphans());
    }
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
  private void finished(Running r, Throwable failure) {
    String id = r.context.id();
    if (running.get(id) != r || r.context.isCancelled()) {
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
    if (r.entry != null) {
      checkpoints.remove(id);
    }
    LOG.info(() -> "job ended: job=" + id + " state=" + r.record.getString("state"));
  }

  /** Cancels a running job: its resources are released at once, then its stream ends with {@code code}. */
  private Future<Void> cancel(String id, String code, String message) {
    Running r = running.remove(id);
    if (r == null) {
      return Future.succeededFuture();
    }
    r.context.cancel(code);
    return end(r, code, message);
  }

  /** Ends a stopped job's stream with {@code event: error} {@code code}, and its record. */
  private Future<Void> end(Running r, String code, String message) {
    String id = r.context.id();
    r.record.put("state", "job_interrupted".equals(code) ? "interrupted" : "cancelled")
        .put("error", new JsonObject().put("error", code).put("message", message))
        .put("ended", Instant.now().toString());
    if (r.context.progress() != null) {
      r.record.put("progress", r.context.progress());
    }
    LOG.info(() -> "job cancelled: job=" + id + " reason=" + code);
    Future<?> ended = publisher.fail(r.context.stream(), code, message)
        .onFailure(e -> LOG.warning("job " + id + ": could not end its stream: " + e));
    Future<Void> forgotten = r.entry == null ? Future.succeededFuture() : checkpoints.remove(id);
    return Future.join(ended, directory.put(r.record, config.recordSeconds()), forgotten).mapEmpty();
  }

  /** @return how long a running job's record and entry live should its node die under it */
  private int runningTtl() {
    return config.maxSeconds() == 0 ? 0 : config.maxSeconds() + config.recordSeconds();
  }

  /** Once a second: progress into the records, and the time and idle limits. */
  private void sweep() {
    long now = System.currentTimeMillis();
    // how often a job asks for its stream's subscribers: often enough to cancel within about a
    // third of the idle time late, never more than once a second per job
    long idleCheckMillis = Math.max(1000, Math.min(10_000, config.idleCancelSeconds() * 1000L / 3));
    if (now - lastAdoptMillis >= ADOPT_EVERY_MILLIS) {
      // besides each departure: a departure seen while no node had a free slot is retried here
      adoptOrphans();
    }
    for (Map.Entry<String, Running> e : List.copyOf(running.entrySet())) {
      String id = e.getKey();
      Running r = e.getValue();
      if (config.maxSeconds() > 0 && now - r.startedMillis >= config.maxSeconds() * 1000L) {
        cancel(id, "job_timeout", "the job ran longer than " + config.maxSeconds() + " s (--job-max-seconds)");
        continue;
      }
      if (r.context.takeProgressChange()) {
        r.record.put("progress", r.context.progress());
        directory.put(r.record, runningTtl());
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
