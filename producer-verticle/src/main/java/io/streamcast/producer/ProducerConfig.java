package io.streamcast.producer;

import io.streamcast.core.AuthSettings;

/**
 * Settings of the {@link ProducerVerticle}.
 *
 * @param bindHost address the publish port binds
 * @param publishPort the publish API port
 * @param maxDataBytes largest accepted event data (413 above)
 * @param idempotencyWindowSeconds how long an {@code Idempotency-Key} is remembered
 * @param auth the key publishers' tokens are verified with, or {@link AuthSettings#OFF}
 * @param maxPublishesPerSecondPerUser publishes (and completes) one user (a token's {@code sub}) may
 *     make per second on this node, also the burst, before {@code 429}; 0 for no limit. Only
 *     enforced with auth on
 */
public record ProducerConfig(String bindHost, int publishPort, int maxDataBytes, int idempotencyWindowSeconds,
    AuthSettings auth, int maxPublishesPerSecondPerUser) {

  /** The contract's default data limit: 1 MiB. */
  public static final int DEFAULT_MAX_DATA_BYTES = 1 << 20;
  /** Default dedupe window: 10 minutes. */
  public static final int DEFAULT_IDEMPOTENCY_WINDOW_SECONDS = 600;

  /** Settings without auth. */
  public ProducerConfig(String bindHost, int publishPort, int maxDataBytes, int idempotencyWindowSeconds) {
    this(bindHost, publishPort, maxDataBytes, idempotencyWindowSeconds, AuthSettings.OFF);
  }

  /** Settings without a per-user publish rate limit. */
  public ProducerConfig(String bindHost, int publishPort, int maxDataBytes, int idempotencyWindowSeconds,
      AuthSettings auth) {
    this(bindHost, publishPort, maxDataBytes, idempotencyWindowSeconds, auth, 0);
  }

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
    if (idempotencyWindowSeconds < 1) {
      throw new IllegalArgumentException("idempotency-window-seconds must be positive, got " + idempotencyWindowSeconds);
    }
  }
}
