package io.streamcast.client;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where an {@link IdempotentPublisher} publishes and how hard it retries. Immutable; build one with
 * {@link #builder()}, which checks every value.
 */
public final class PublisherOptions {

  private final List<String> nodes;
  private final Backoff backoff;
  private final int maxAttempts;
  private final Duration connectTimeout;
  private final Duration responseTimeout;
  private final Supplier<String> bearerToken;
  private final int maxConnectionsPerNode;

  private PublisherOptions(Builder builder) {
    this.nodes = NodeRing.validate(builder.nodes);
    this.backoff = Objects.requireNonNull(builder.backoff, "backoff");
    if (builder.maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1: " + builder.maxAttempts);
    }
    this.maxAttempts = builder.maxAttempts;
    this.connectTimeout = requirePositive(builder.connectTimeout, "connectTimeout");
    this.responseTimeout = requirePositive(builder.responseTimeout, "responseTimeout");
    this.bearerToken = builder.bearerToken;
    if (builder.maxConnectionsPerNode < 1) {
      throw new IllegalArgumentException("maxConnectionsPerNode must be positive: " + builder.maxConnectionsPerNode);
    }
    this.maxConnectionsPerNode = builder.maxConnectionsPerNode;
  }

  /** @return a builder with the defaults documented on its setters */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the nodes' publish-port base URLs, without trailing slash, in round-robin order */
  public List<String> nodes() {
    return nodes;
  }

  /** @return the delays between attempts */
  public Backoff backoff() {
    return backoff;
  }

  /** @return the most requests one publish makes, the first included */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** @return the TCP (and TLS) connect timeout */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** @return how long a request may wait in silence for its answer before it is abandoned and retried */
  public Duration responseTimeout() {
    return responseTimeout;
  }

  /** @return where each request takes its bearer token, or null to send none */
  public Supplier<String> bearerToken() {
    return bearerToken;
  }

  /** @return the most HTTP/1.1 connections open to one node; further publishes queue for one */
  public int maxConnectionsPerNode() {
    return maxConnectionsPerNode;
  }

  private static Duration requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return value;
  }

  /** Collects the options; {@link #build()} validates them. Not thread safe. */
  public static final class Builder {
    private List<String> nodes = List.of();
    private Backoff backoff = Backoff.DEFAULT;
    private int maxAttempts = 5;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration responseTimeout = Duration.ofSeconds(10);
    private Supplier<String> bearerToken;
    private int maxConnectionsPerNode = 20;

    private Builder() {
    }

    /**
     * @param urls the nodes' publish base URLs, such as {@code http://127.0.0.1:8081}; required
     * @return this builder
     */
    public Builder nodes(List<String> urls) {
      this.nodes = List.copyOf(urls);
      return this;
    }

    /**
     * @param urls the nodes' publish base URLs, such as {@code http://127.0.0.1:8081}; required
     * @return this builder
     */
    public Builder nodes(String... urls) {
      return nodes(List.of(urls));
    }

    /**
     * @param value delays between attempts; default {@link Backoff#DEFAULT}
     * @return this builder
     */
    public Builder backoff(Backoff value) {
      this.backoff = value;
      return this;
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
     * @param timeout TCP connect timeout; default 5 s
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
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
     * @param token sent as {@code Authorization: Bearer <token>}; null sends none
     * @return this builder
     */
    public Builder bearerToken(String token) {
      this.bearerToken = token == null ? null : () -> token;
      return this;
    }

    /**
     * @param source asked for a token at each request; it must not block; null sends none
     * @return this builder
     */
    public Builder bearerToken(Supplier<String> source) {
      this.bearerToken = source;
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
