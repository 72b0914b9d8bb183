package io.streamcast.core;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Hazelcast entry processor: replaces a value only while it still equals the expected one,
 * atomically on the partition owner (the map has no async compare-and-set). Used to take over an
 * idempotency claim whose member died. A small serializable class every member has.
 */
public final class ReplaceValue implements EntryProcessor<String, String, String> {

  private static final long serialVersionUID = 1L;

  private final String expected;
  private final String replacement;
  private final long ttlMillis;

  /**
   * @param expected the value to replace
   * @param replacement the new value
   * @param ttlMillis its time to live, 0 for the map's default
   */
  public ReplaceValue(String expected, String replacement, long ttlMillis) {
    this.expected = expected;
    this.replacement = replacement;
    this.ttlMillis = ttlMillis;
  }

  /** @return the value after the call: {@link #replacement} when replaced, else what is there (or null) */
  @Override
  public String process(Map.Entry<String, String> entry) {
    String existing = entry.getValue();
    if (existing == null || !existing.equals(expected)) {
      return existing;
    }
    if (ttlMillis > 0) {
      ((ExtendedMapEntry<String, String>) entry).setValue(replacement, ttlMillis, TimeUnit.MILLISECONDS);
    } else {
      entry.setValue(replacement);
    }
    return replacement;
  }
}
