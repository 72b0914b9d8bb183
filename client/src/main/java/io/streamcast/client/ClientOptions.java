package io.streamcast.client;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What every client of the cluster takes, publisher or subscriber: the nodes it goes through in turn,
 * the delays between its tries, its connect timeout and its bearer token. {@link PublisherOptions} and
 * {@link SubscriberOptions} add their own; their builders inherit these setters, which return the
 * concrete builder.
 */
abstract class ClientOptions {

  private final List<String> nodes;
  private final Backoff backoff;
  private final Duration connectTimeout;
  private final Supplier<String> bearerToken;

  ClientOptions(Builder<?> builder) {
    this.nodes = NodeRing.validate(builder.nodes);
    this.backoff = Objects.requireNonNull(builder.backoff, "backoff");
    this.connectTimeout = requirePositive(builder.connectTimeout, "connectTimeout");
    this.bearerToken = builder.bearerToken;
  }

  /**
   * @return the nodes' base URLs (the publish port for a publisher, the edge port for a subscriber),
   *     without trailing slash, in round-robin order
   */
  public List<String> nodes() {
    return nodes;
  }

  /** @return the delays between attempts (a subscriber's reconnections) */
  public Backoff backoff() {
    return backoff;
  }

  /** @return the TCP (and TLS) connect timeout */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** @return where each request (a subscriber's each connection) takes its bearer token, or null to send none */
  public Supplier<String> bearerToken() {
    return bearerToken;
  }

  static Duration requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return value;
  }

  /**
   * The setters every client's builder has.
   *
   * @param <B> the concrete builder, which each setter returns
   */
  abstract static class Builder<B extends Builder<B>> {
    private List<String> nodes = List.of();
    private Backoff backoff = Backoff.DEFAULT;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Supplier<String> bearerToken;

    Builder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
      return (B) this;
    }

    /**
     * @param urls the nodes' base URLs: the publish port for a publisher, such as
     *             {@code http://127.0.0.1:8081}, the edge port for a subscriber, such as
     *             {@code http://127.0.0.1:8080}; required, tried in order
     * @return this builder
     */
    public B nodes(List<String> urls) {
      this.nodes = List.copyOf(urls);
      return self();
    }

    /**
     * @param urls the nodes' base URLs, as for {@link #nodes(List)}; required, tried in order
     * @return this builder
     */
    public B nodes(String... urls) {
      return nodes(List.of(urls));
    }

    /**
     * @param value delays between attempts (a subscriber's reconnections, where a server's {@code retry:}
     *              replaces the initial delay); default {@link Backoff#DEFAULT}
     * @return this builder
     */
    public B backoff(Backoff value) {
      this.backoff = value;
      return self();
    }

    /**
     * @param timeout TCP connect timeout; default 5 s
     * @return this builder
     */
    public B connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return self();
    }

    /**
     * @param token sent as {@code Authorization: Bearer <token>}; null sends none
     * @return this builder
     */
    public B bearerToken(String token) {
      this.bearerToken = token == null ? null : () -> token;
      return self();
    }

    /**
     * @param source asked for a token at each request (a subscriber's each connection, so a refreshed
     *               token is used on reconnection); it runs on an event loop and must not block; null
     *               sends none
     * @return this builder
     */
    public B bearerToken(Supplier<String> source) {
      this.bearerToken = source;
      return self();
    }
  }
}
