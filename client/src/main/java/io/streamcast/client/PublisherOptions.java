package io.streamcast.client;

import java.time.Duration;

/**
 * Where an {@link IdempotentPublisher} publishes and how hard it retries. Immutable; build one with
 * {@link #builder()}, which checks every value.
 */
public final class PublisherOptions extends ClientOptions {

  private final int maxAttempts;
  private final Duration responseTimeout;
  private final int maxConnectionsPerNode;

  private PublisherOptions(Builder builder) {
    super(builder);
    if (builder.maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1: " + builder.maxAttempts);
    }
    this.maxAttempts = builder.maxAttempts;
    this.responseTimeout = requirePositive(builder.responseTimeout, "responseTimeout");
    if (builder.maxConnectionsPerNode < 1) {
      throw new IllegalArgumentException("maxConnectionsPerNode must be positive: " + builder.maxConnectionsPerNode);
    }
    this.maxConnectionsPerNode = builder.maxConnectionsPerNode;
  }

  /** @return a builder with the defaults documented on its setters */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the most requests one publish makes, the first included */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** @return how long a request may wait in silence for its answer before it is abandoned and retried */
  public Duration responseTimeout() {
    return responseTimeout;
  }

  /** @return the most HTTP/1.1 connections open to one node; further publishes queue for one */
  public int maxConnectionsPerNode() {
    return maxConnectionsPerNode;
  }

  /** Collects the options; {@link #build()} validates them. Not thread safe. */
  public static final class Builder extends ClientOptions.Builder<Builder> {
    private int maxAttempts = 5;
    private Duration responseTimeout = Duration.ofSeconds(10);
    private int maxConnectionsPerNode = 20;

    private Builder() {
    }

    /**
     * @param attempts the most requests one publish makes, the first included, at least 1; default 5
     * @return this builder
     */
    public Builder maxAttempts(int attempts) {
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * @param timeout how long a request may wait without receiving anything before it is abandoned and
     *                retried on the next node; the server answers only once the event is replicated, so
     *                leave room for that; default 10 s
     * @return this builder
     */
    public Builder responseTimeout(Duration timeout) {
      this.responseTimeout = timeout;
      return this;
    }

    /**
     * @param connections the most HTTP/1.1 connections open to one node, which bounds the publishes in
     *                    flight to it (each waits for replication before its answer); default 20
     * @return this builder
     */
    public Builder maxConnectionsPerNode(int connections) {
      this.maxConnectionsPerNode = connections;
      return this;
    }

    /**
     * @return the options
     * @throws IllegalArgumentException or NullPointerException naming the first invalid value
     */
    public PublisherOptions build() {
      return new PublisherOptions(this);
    }
  }
}
