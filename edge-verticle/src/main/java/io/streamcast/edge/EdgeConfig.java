package io.streamcast.edge;

import io.streamcast.core.AuthSettings;

/**
 * Settings of the {@link EdgeVerticle}.
 *
 * @param bindHost address the edge port binds
 * @param httpPort the edge port: subscribers, health, metrics, dashboard
 * @param heartbeatSeconds idle time after which a connection gets a heartbeat comment
 * @param maxConnections streaming connections this node accepts before answering 503
 * @param replayBatch events read from history per call while a subscriber catches up
 * @param auth the key subscribers' tokens are verified with, or {@link AuthSettings#OFF}
 * @param maxConnectionsPerUser open streaming connections one user (a token's {@code sub}) may hold
 *     on this node before {@code 429}; 0 for no limit. Only enforced with auth on
 */
public record EdgeConfig(String bindHost, int httpPort, int heartbeatSeconds, int maxConnections, int replayBatch,
    AuthSettings auth, int maxConnectionsPerUser) {

  /** Events read from history per call while catching up; no node flag sets it. */
  public static final int DEFAULT_REPLAY_BATCH = 500;

  /** Validates every setting. */
  public EdgeConfig {
    if (auth == null) {
      auth = AuthSettings.OFF;
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("http-port must be 0-65535, got " + httpPort);
    }
    if (heartbeatSeconds < 1) {
      throw new IllegalArgumentException("heartbeat-seconds must be at least 1, got " + heartbeatSeconds);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("max-connections must be positive, got " + maxConnections);
    }
    if (maxConnectionsPerUser < 0) {
      throw new IllegalArgumentException("max-connections-per-user must be 0 (no limit) or more, got "
          + maxConnectionsPerUser);
    }
    if (replayBatch < 1 || replayBatch > 1000) {
      throw new IllegalArgumentException("replay batch must be 1-1000 (Hazelcast's read limit), got " + replayBatch);
    }
  }
}
