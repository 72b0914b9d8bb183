package io.streamcast.producer.jobs;

/**
 * Settings of the jobs of a node.
 *
 * @param idleCancelSeconds a job whose stream has had no subscriber on any node for this long is
 *     cancelled ({@code --job-idle-cancel-seconds}); 0: never
 * @param maxSeconds a job running longer is cancelled ({@code --job-max-seconds}); 0: no limit
 * @param recordSeconds how long {@code GET /jobs/{id}} still knows a job after it ended
 */
public record JobsConfig(int idleCancelSeconds, int maxSeconds, int recordSeconds) {

  /** Defaults: idle 30 s, at most an hour, records kept an hour. */
  public static final JobsConfig DEFAULTS = new JobsConfig(30, 3600, 3600);

  /** Validates. */
  public JobsConfig {
    if (idleCancelSeconds < 0) {
      throw new IllegalArgumentException("--job-idle-cancel-seconds must be 0 (never) or more, got " + idleCancelSeconds);
    }
    if (maxSeconds < 0) {
      throw new IllegalArgumentException("--job-max-seconds must be 0 (no limit) or more, got " + maxSeconds);
    }
    if (recordSeconds < 1) {
      throw new IllegalArgumentException("job records must be kept 1 s or more, got " + recordSeconds);
    }
  }
}
