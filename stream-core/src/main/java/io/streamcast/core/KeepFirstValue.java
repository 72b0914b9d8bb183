package io.streamcast.core;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Hazelcast entry processor: stores a value unless the key already has one, atomically on the
 * partition owner (the map has no async putIfAbsent). Runs on whichever member owns the key, so it
 * must stay a small serializable class every member has.
 */
public final class KeepFirstValue implements EntryProcessor<String, String, String> {

  private static final long serialVersionUID = 1L;

  private final String value;
  private final long ttlMillis;

  /**
   * @param value the value to store when absent
   * @param ttlMillis time to live, 0 for the map's default
   */
  public KeepFirstValue(String value, long ttlMillis) {
    this.value = value;
    this.ttlMillis = ttlMillis;
  }

  /** @return the value already there, or null when {@link #value} was stored */
  @Override
  public String process(Map.Entry<String, String> entry) {
    String existing = entry.getValue();
    if (existing != null) {
      return existing;
    }
    if (ttlMillis > 0) {
      ((ExtendedMapEntry<String, String>) entry).setValue(value, ttlMillis, TimeUnit.MILLISECONDS);
    } else {
      entry.setValue(value);
    }
    return null;
  }
}
