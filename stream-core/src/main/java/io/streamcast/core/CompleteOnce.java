package io.streamcast.core;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * Hazelcast entry processor marking a stream's {@link StreamMeta} completed unless it already is:
 * the first {@code complete} wins, atomically on the key's owner.
 */
public final class CompleteOnce implements EntryProcessor<String, String, String> {

  private static final long serialVersionUID = 1L;

  private final String completedMeta;

  /** @param completedMeta the encoded meta to store */
  public CompleteOnce(String completedMeta) {
    this.completedMeta = completedMeta;
  }

  /** @return the meta in force after the call (encoded) */
  @Override
  public String process(Map.Entry<String, String> entry) {
    String existing = entry.getValue();
    if (existing != null && StreamMeta.decode(existing).completed()) {
      return existing;
    }
    entry.setValue(completedMeta);
    return completedMeta;
  }
}
