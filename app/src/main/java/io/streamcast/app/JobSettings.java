package io.streamcast.app;

import io.streamcast.producer.jobs.JobsConfig;
import java.util.Map;

/**
 * A node's job settings.
 *
 * @param limits idle cancellation, maximum run time, record retention
 * @param slots jobs of each built-in kind one node runs at once
 * @param pgUrl the export job's database, null when export is off
 * @param pgPoolSize connections to it
 * @param exportQueries the queries export may run, by name
 */
public record JobSettings(JobsConfig limits, int slots, String pgUrl, int pgPoolSize, Map<String, io.streamcast.producer.jobs.ExportQuery> exportQueries) {

  /** Copies the queries. */
  public JobSettings {
    exportQueries = Map.copyOf(exportQueries);
  }

  /** Leaves the database URL out: it may carry a password. */
  @Override
  public String toString() {
    return "JobSettings[limits=" + limits + ", slots=" + slots + ", export=" + (pgUrl == null ? "off" : "on")
        + ", pgPoolSize=" + pgPoolSize + ", exportQueries=" + exportQueries.keySet() + "]";
  }
}
