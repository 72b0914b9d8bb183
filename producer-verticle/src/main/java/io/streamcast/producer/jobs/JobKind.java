package io.streamcast.producer.jobs;

import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A kind of job, registered by name with a factory on the nodes that may run it ({@link
 * JobManager#register}). {@code POST /jobs/{name}} on any edge starts one on a producer node that
 * registered the kind and has a free slot for it.
 *
 * @param name the kind's name in URLs and in tokens' {@code job_kinds} claims: {@code [a-z0-9-]{1,64}}
 * @param maxPerNode jobs of this kind one node runs at once; beyond, it refuses and another node is
 *     asked ({@code 503} when none has room)
 * @param restartable whether a run cut short by its node's drain or departure is restarted on another
 *     node with a free slot, from the last checkpoint it recorded ({@link JobContext#checkpoint(JsonObject)}),
 *     on the same stream. Its job must then publish with idempotency keys ({@link JobContext#publish(String,
 *     String, String)}) so that what it repeats after the checkpoint is not appended twice. A kind that is
 *     not restartable ends its stream with {@code job_interrupted} instead.
 * @param factory validates the request's JSON parameters and makes the job; throws {@link
 *     IllegalArgumentException} (its message goes to the client as {@code 400 bad_parameter}) for bad
 *     ones. Runs on the event loop of the node that will run the job: it must not block. A restart calls
 *     it again with the same parameters.
 */
public record JobKind(String name, int maxPerNode, boolean restartable, Function<JsonObject, Job> factory) {

  private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,64}");

  /** Validates the kind. */
  public JobKind {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a job kind's name must match [a-z0-9-]{1,64}, got '" + name + "'");
    }
    if (maxPerNode < 1) {
      throw new IllegalArgumentException("maxPerNode must be 1 or more, got " + maxPerNode);
    }
    if (factory == null) {
      throw new IllegalArgumentException("a job kind needs a factory");
    }
  }

  /** A kind that is not restartable (its runs end with {@code job_interrupted} when their node drains). */
  public JobKind(String name, int maxPerNode, Function<JsonObject, Job> factory) {
    this(name, maxPerNode, false, factory);
  }

  /** @return whether {@code name} could name a kind (URLs are checked with it before asking the cluster) */
  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches();
  }
}
