package io.streamcast.producer.jobs;

import io.vertx.core.Future;

/**
 * One run of a job: the work behind a stream. Made by its {@link JobKind}'s factory on the node that
 * runs it, started once on that node's job context (an event loop: never block in it).
 *
 * <p>When the returned future succeeds, the job's stream is completed; when it fails, the stream
 * ends with {@code event: error} {@code {"error":"job_failed","message": <the failure's message>}}.
 * On cancellation ({@link JobContext#onCancel}) the job must release what it holds at once (close
 * its cursor, return its connection, cancel its timers); its future is then ignored and whatever it
 * still publishes is refused (its stream is ended by the cancellation).
 */
@FunctionalInterface
public interface Job {

  /**
   * Runs the job.
   *
   * @param context the job's stream, progress and cancellation
   * @return completes when the work is done
   */
  Future<?> run(JobContext context);
}
