package io.streamcast.edge;

import io.streamcast.core.AuthSettings;
import io.streamcast.edge.delivery.StreamLimits;
import java.util.List;

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
 * @param corsOrigins origins whose pages may read the edge port cross-origin ({@code --cors-origins},
 *     normalized by {@link EdgeCors#origins}); empty: CORS off. A single {@code "*"}: any origin, without
 *     credentials
 * @param tls the certificate and key the edge port serves HTTPS (HTTP/2 and HTTP/1.1) with; null: plain HTTP
 * @param maxStreamSeconds how long one streaming connection may stay open before it is ended with {@code
 *     event: error} {@code max_duration} (the client resumes with its last id); 0 for no limit
 * @param maxBytesPerMinutePerUser bytes one user may receive on this node per window over all its streams,
 *     before they end with {@code event: error} {@code quota_exceeded} and new ones get {@code 429}; 0 for no
 *     limit. Only enforced with auth on
 * @param quotaWindowMillis the quota's window: {@link #QUOTA_WINDOW_MILLIS} for every node; no flag sets it,
 *     tests shorten it with {@link #withQuotaWindowMillis}
 * @param slowConsumerTimeoutSeconds how long a connection may take no bytes while full before it is dropped as
 *     a slow consumer (the client resumes with its last id); 0 for never
 */
public record EdgeConfig(String bindHost, int httpPort, int heartbeatSeconds, int maxConnections, int replayBatch,
    AuthSettings auth, int maxConnectionsPerUser, List<String> corsOrigins, TlsFiles tls, int maxStreamSeconds,
    long maxBytesPerMinutePerUser, long quotaWindowMillis, int slowConsumerTimeoutSeconds) {

  /** Events read from history per call while catching up; no node flag sets it. */
  public static final int DEFAULT_REPLAY_BATCH = 500;
  /** The byte quota's window: a minute, as its flag says. */
  public static final long QUOTA_WINDOW_MILLIS = 60_000;

  /** Validates every setting. */
  public EdgeConfig {
    if (auth == null) {
      auth = AuthSettings.OFF;
    }
    corsOrigins = EdgeCors.origins(corsOrigins == null ? List.of() : corsOrigins);
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
    if (maxStreamSeconds < 0) {
      throw new IllegalArgumentException("max-stream-seconds must be 0 (no limit) or more, got " + maxStreamSeconds);
    }
    if (maxBytesPerMinutePerUser < 0) {
      throw new IllegalArgumentException("max-bytes-per-minute-per-user must be 0 (no limit) or more, got "
          + maxBytesPerMinutePerUser);
    }
    if (slowConsumerTimeoutSeconds < 0) {
      throw new IllegalArgumentException("slow-consumer-timeout-seconds must be 0 (never) or more, got "
          + slowConsumerTimeoutSeconds);
    }
    if (quotaWindowMillis < 1) {
      throw new IllegalArgumentException("the quota window must be 1 ms or more, got " + quotaWindowMillis);
    }
    if (replayBatch < 1 || replayBatch > 1000) {
      throw new IllegalArgumentException("replay batch must be 1-1000 (Hazelcast's read limit), got " + replayBatch);
    }
  }

  /**
   * For tests, which cannot wait a minute: a copy whose byte quota counts over {@code millis} instead (the
   * quota is still {@link #maxBytesPerMinutePerUser} bytes per window). No node setting reaches it.
   */
  public EdgeConfig withQuotaWindowMillis(long millis) {
    return new EdgeConfig(bindHost, httpPort, heartbeatSeconds, maxConnections, replayBatch, auth,
        maxConnectionsPerUser, corsOrigins, tls, maxStreamSeconds, maxBytesPerMinutePerUser, millis,
        slowConsumerTimeoutSeconds);
  }

  /** @return the limits that end open streams; the byte quota only counts with auth on (its user is a token's sub) */
  public StreamLimits streamLimits() {
    return new StreamLimits(maxStreamSeconds * 1000L, auth.enabled() ? maxBytesPerMinutePerUser : 0,
        quotaWindowMillis, slowConsumerTimeoutSeconds * 1000L);
  }

  /**
   * The PEM files of the edge's HTTPS ({@code --tls-cert}, {@code --tls-key}).
   *
   * @param certPath the certificate chain, leaf first ({@code -----BEGIN CERTIFICATE-----} blocks)
   * @param keyPath its private key (PKCS#8 {@code PRIVATE KEY}, or PKCS#1 {@code RSA PRIVATE KEY})
   */
  public record TlsFiles(String certPath, String keyPath) {
    /** Both paths are required. */
    public TlsFiles {
      if (certPath == null || certPath.isBlank() || keyPath == null || keyPath.isBlank()) {
        throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both PEM files");
      }
    }
  }
}
