package io.streamcast.client;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link StreamSubscriber} subscribes to and how hard it tries. Immutable; build one with
 * {@link #builder()}, which checks every value.
 */
public final class SubscriberOptions extends ClientOptions {

  private final String stream;
  private final StartPosition startPosition;
  private final int maxReconnectAttempts;
  private final Duration maxReconnectTime;
  private final Duration idleTimeout;
  private final boolean retryClientErrors;
  private final int maxEventChars;

  private SubscriberOptions(Builder builder) {
    super(builder);
    this.stream = NodeRing.validateStream(builder.stream);
    this.startPosition = Objects.requireNonNull(builder.startPosition, "startPosition");
    if (builder.maxReconnectAttempts < 0) {
      throw new IllegalArgumentException("maxReconnectAttempts must not be negative: " + builder.maxReconnectAttempts);
    }
    this.maxReconnectAttempts = builder.maxReconnectAttempts;
    this.maxReconnectTime = requirePositiveOrNull(builder.maxReconnectTime, "maxReconnectTime");
    this.idleTimeout = requirePositive(builder.idleTimeout, "idleTimeout");
    this.retryClientErrors = builder.retryClientErrors;
    if (builder.maxEventChars < 1) {
      throw new IllegalArgumentException("maxEventChars must be positive: " + builder.maxEventChars);
    }
    this.maxEventChars = builder.maxEventChars;
  }

  /** @return a builder with the defaults documented on its setters */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the stream name */
  public String stream() {
    return stream;
  }

  /** @return where the first connection starts */
  public StartPosition startPosition() {
    return startPosition;
  }

  /** @return how many reconnections in a row may fail to deliver an event before the subscriber gives up */
  public int maxReconnectAttempts() {
    return maxReconnectAttempts;
  }

  /** @return how long reconnections may go on without an event before the subscriber gives up, or null */
  public Duration maxReconnectTime() {
    return maxReconnectTime;
  }

  /** @return how long a connection may stay silent, heartbeats included, before it is dropped */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** @return whether a 4xx answer other than 408 and 429 is retried instead of ending the subscription */
  public boolean retryClientErrors() {
    return retryClientErrors;
  }

  /** @return the bound on one event's size, see {@link SseEventParser#maxEventChars(int)} */
  public int maxEventChars() {
    return maxEventChars;
  }

  private static Duration requirePositiveOrNull(Duration value, String name) {
    return value == null ? null : requirePositive(value, name);
  }

  /** Collects the options; {@link #build()} validates them. Not thread safe. */
  public static final class Builder extends ClientOptions.Builder<Builder> {
    private String stream;
    private StartPosition startPosition = StartPosition.latest();
    private int maxReconnectAttempts = 10;
    private Duration maxReconnectTime;
    private Duration idleTimeout = Duration.ofSeconds(45);
    private boolean retryClientErrors;
    private int maxEventChars = SseEventParser.DEFAULT_MAX_EVENT_CHARS;

    private Builder() {
    }

    /**
     * @param name the stream name, {@code [A-Za-z0-9._-]{1,128}}; required
     * @return this builder
     */
    public Builder stream(String name) {
      this.stream = name;
      return this;
    }

    /**
     * @param position where the first connection starts; default {@link StartPosition#latest()}
     * @return this builder
     */
    public Builder startPosition(StartPosition position) {
      this.startPosition = position;
      return this;
    }

    /**
     * @param attempts how many reconnections in a row may fail to deliver an event before giving up; a
     *                 delivered event resets the count; 0 never reconnects; default 10
     * @return this builder
     */
    public Builder maxReconnectAttempts(int attempts) {
      this.maxReconnectAttempts = attempts;
      return this;
    }

    /**
     * @param time how long the subscriber may go on reconnecting since its last delivered event (or its
     *             start) before giving up; null, the default, leaves only the attempt bound
     * @return this builder
     */
    public Builder maxReconnectTime(Duration time) {
      this.maxReconnectTime = time;
      return this;
    }

    /**
     * @param timeout how long a connection may stay silent before it is dropped and the subscriber moves
     *                on; keep it above the server's heartbeat period (15 s by default); default 45 s
     * @return this builder
     */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * @param retry whether a 4xx answer other than 408 and 429 (a bad name, a refused token) is retried on the
     *              next node like any failure; default false: such an answer ends the subscription at once,
     *              since every node of the cluster would give it again
     * @return this builder
     */
    public Builder retryClientErrors(boolean retry) {
      this.retryClientErrors = retry;
      return this;
    }

    /**
     * @param chars bound on one event's size in characters; default {@link SseEventParser#DEFAULT_MAX_EVENT_CHARS}
     * @return this builder
     */
    public Builder maxEventChars(int chars) {
      this.maxEventChars = chars;
      return this;
    }

    /**
     * @return the options
     * @throws IllegalArgumentException or NullPointerException naming the first invalid value
     */
    public SubscriberOptions build() {
      return new SubscriberOptions(this);
    }
  }
}
