package io.streamcast.producer;

import io.streamcast.core.AuthSettings;

/**
 * Settings of the {@link ProducerVerticle}. (How long idempotency keys are remembered belongs to
 * history's {@code RetentionPolicy}: keys live in each stream's log.)
 *
 * @param bindHost address the publish port binds
 * @param publishPort the publish API port
 * @param maxDataBytes largest accepted event data (413 above)
 * @param auth the key publishers' tokens are verified with, or {@link AuthSettings#OFF}
 * @param maxPublishesPerSecondPerUser publishes (and completes) one user (a token's {@code sub}) may
 *     make per second on this node, also the burst, before {@code 429}; 0 for no limit. Only
 *     enforced with auth on
 */
public record ProducerConfig(String bindHost, int publishPort, int maxDataBytes, AuthSettings auth,
    int maxPublishesPerSecondPerUser) {

  /** Validates every setting. */
  public ProducerConfig {
    if (auth == null) {
      auth = AuthSettings.OFF;
    }
    if (publishPort < 0 || publishPort > 65535) {
      throw new IllegalArgumentException("publish-port must be 0-65535, got " + publishPort);
    }
    if (maxDataBytes < 1) {
      throw new IllegalArgumentException("max-data-bytes must be positive, got " + maxDataBytes);
    }
    if (maxPublishesPerSecondPerUser < 0) {
      throw new IllegalArgumentException("max-publishes-per-second-per-user must be 0 (no limit) or more, got "
          + maxPublishesPerSecondPerUser);
    }
  }
}
