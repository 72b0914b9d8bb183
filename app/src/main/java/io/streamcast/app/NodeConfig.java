package io.streamcast.app;

import io.streamcast.cluster.ClusterSettings;
import io.streamcast.core.AuthSettings;
import io.streamcast.core.RetentionPolicy;
import io.streamcast.edge.EdgeConfig;
import io.streamcast.edge.EdgeCors;
import io.streamcast.producer.ProducerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A node's whole configuration, resolved and validated: flags win over the environment, the
 * environment over the config file, the file over defaults. Every problem is reported as one line
 * naming the setting.
 *
 * @param roles verticles to deploy ({@code edge}, {@code producer})
 * @param cluster how the node joins and what history keeps
 * @param edge edge verticle settings
 * @param producer producer verticle settings
 * @param drainSeconds bound on a SIGTERM drain
 * @param drainDelaySeconds time {@code /ready} answers 503 before streams are closed
 * @param demo whether the demo producers run
 * @param metricsStreamLabels whether per-stream meters (tagged with the stream name) are kept
 * @param retention history bounds and stream lifetimes
 * @param memoryHighWatermark fraction of the old generation's maximum, in use after a collection, at
 *     which the node refuses work that adds state (see {@code io.streamcast.app.MemoryPressure})
 * @param eventLoops Vert.x event loops, 0 for Vert.x's default (ADR 15)
 * @param eventBusMetrics whether Vert.x's event-bus meters are kept
 * @param jobs jobs' limits, slots and the export job's database
 */
public record NodeConfig(Set<String> roles, ClusterSettings cluster, EdgeConfig edge, ProducerConfig producer,
    int drainSeconds, int drainDelaySeconds, boolean demo, boolean metricsStreamLabels, RetentionPolicy retention,
    double memoryHighWatermark, int eventLoops, boolean eventBusMetrics, JobSettings jobs) {

  /** Role running {@code EdgeVerticle}. */
  public static final String EDGE = "edge";
  /** Role running {@code ProducerVerticle}. */
  public static final String PRODUCER = "producer";

  /** Lowest {@code --memory-high-watermark}: below it, an ordinary live set would already count as pressure. */
  static final double MIN_MEMORY_HIGH_WATERMARK = 0.1;
  /** Highest {@code --memory-high-watermark}: above it, the refusals would come after the out-of-memory errors. */
  static final double MAX_MEMORY_HIGH_WATERMARK = 0.99;

  /** Validates the combination. */
  public NodeConfig {
    // written so that NaN fails too
    if (!(memoryHighWatermark >= MIN_MEMORY_HIGH_WATERMARK && memoryHighWatermark <= MAX_MEMORY_HIGH_WATERMARK)) {
      throw new IllegalArgumentException(NodeFlag.MEMORY_HIGH_WATERMARK.flag() + " must be between "
          + MIN_MEMORY_HIGH_WATERMARK + " and " + MAX_MEMORY_HIGH_WATERMARK + ", got " + memoryHighWatermark);
    }
    if (eventLoops < 0) {
      throw new IllegalArgumentException(NodeFlag.EVENT_LOOPS.flag() + " must be 0 (Vert.x's default) or more, got "
          + eventLoops);
    }
    if (drainDelaySeconds < 0 || drainDelaySeconds >= drainSeconds) {
      throw new IllegalArgumentException("--drain-delay-seconds must be 0 or more and less than --drain-seconds ("
          + drainSeconds + "), got " + drainDelaySeconds);
    }
    roles = Set.copyOf(roles);
    if (roles.isEmpty() || !Set.of(EDGE, PRODUCER).containsAll(roles)) {
      throw new IllegalArgumentException("--roles must list edge and/or producer, got " + roles);
    }
    // every node listens on the edge port (without the edge role, for health and metrics)
    if (roles.contains(PRODUCER) && edge.httpPort() != 0 && edge.httpPort() == producer.publishPort()) {
      throw new IllegalArgumentException("--http-port and --publish-port must differ (both " + edge.httpPort() + ")");
    }
  }

  /** @return a copy with {@code edgeConfig} as the edge's settings (tests set what no flag does) */
  NodeConfig withEdge(EdgeConfig edgeConfig) {
    return new NodeConfig(roles, cluster, edgeConfig, producer, drainSeconds, drainDelaySeconds, demo,
        metricsStreamLabels, retention, memoryHighWatermark, eventLoops, eventBusMetrics, jobs);
  }

  /** @return whether the node runs the edge */
  public boolean edgeRole() {
    return roles.contains(EDGE);
  }

  /** @return whether the node runs the producer */
  public boolean producerRole() {
    return roles.contains(PRODUCER);
  }

  /**
   * Resolves settings from their sources.
   *
   * @param flags values given as flags
   * @param env the process environment
   * @param file values of the config file (already read), empty when none
   * @param demo whether this is the demo
   * @return the validated configuration
   * @throws IllegalArgumentException with a one-line reason
   */
  static NodeConfig resolve(Map<NodeFlag, String> flags, Map<String, String> env, Map<String, String> file, boolean demo) {
    Map<NodeFlag, String> v = new EnumMap<>(NodeFlag.class);
    for (NodeFlag f : NodeFlag.values()) {
      String value = flags.get(f);
      if (value == null) {
        value = env.get(f.env());
      }
      if (value == null) {
        value = file.get(f.key());
      }
      if (value == null) {
        value = f.defaultValue();
      }
      if (value != null) {
        v.put(f, value.trim());
      }
    }
    String clusterHost = v.get(NodeFlag.CLUSTER_HOST);
    int clusterPort = port(v, NodeFlag.CLUSTER_PORT, false);
    String nodeName = v.getOrDefault(NodeFlag.NODE_NAME, clusterHost + ":" + clusterPort);
    List<String> members = Arrays.stream(v.get(NodeFlag.MEMBERS).split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toList());
    Set<String> roles = Arrays.stream(v.get(NodeFlag.ROLES).split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    ClusterSettings cluster = new ClusterSettings(v.get(NodeFlag.CLUSTER_NAME), clusterHost, clusterPort, members,
        nodeName, v.get(NodeFlag.KUBERNETES_SERVICE_DNS), 1, 5, expectedMembers(v, clusterHost + ":" + clusterPort, members));
    RetentionPolicy retention = new RetentionPolicy(integer(v, NodeFlag.HISTORY_CAPACITY),
        longInteger(v, NodeFlag.HISTORY_MAX_BYTES), integer(v, NodeFlag.HISTORY_TTL_SECONDS),
        integer(v, NodeFlag.IDEMPOTENCY_WINDOW_SECONDS), integer(v, NodeFlag.COMPLETED_RETENTION_SECONDS),
        integer(v, NodeFlag.STREAM_IDLE_SECONDS), integer(v, NodeFlag.TOMBSTONE_SECONDS),
        longInteger(v, NodeFlag.HISTORY_BUDGET_BYTES));
    AuthSettings auth = auth(v);
    EdgeConfig edge = new EdgeConfig(v.get(NodeFlag.BIND_HOST), port(v, NodeFlag.HTTP_PORT, true),
        integer(v, NodeFlag.HEARTBEAT_SECONDS), integer(v, NodeFlag.MAX_CONNECTIONS), EdgeConfig.DEFAULT_REPLAY_BATCH,
        auth, notNegative(v, NodeFlag.MAX_CONNECTIONS_PER_USER), corsOrigins(v), tls(v),
        notNegative(v, NodeFlag.MAX_STREAM_SECONDS), notNegativeLong(v, NodeFlag.MAX_BYTES_PER_MINUTE_PER_USER),
        EdgeConfig.QUOTA_WINDOW_MILLIS, notNegative(v, NodeFlag.SLOW_CONSUMER_TIMEOUT_SECONDS));
    ProducerConfig producer = new ProducerConfig(v.get(NodeFlag.BIND_HOST), port(v, NodeFlag.PUBLISH_PORT, true),
        integer(v, NodeFlag.MAX_DATA_BYTES), auth,
        notNegative(v, NodeFlag.MAX_PUBLISHES_PER_SECOND_PER_USER));
    return new NodeConfig(roles, cluster, edge, producer, integer(v, NodeFlag.DRAIN_SECONDS),
        integer(v, NodeFlag.DRAIN_DELAY_SECONDS), demo,
        bool(v, NodeFlag.METRICS_STREAM_LABELS), retention, fraction(v, NodeFlag.MEMORY_HIGH_WATERMARK),
        integer(v, NodeFlag.EVENT_LOOPS), bool(v, NodeFlag.EVENTBUS_METRICS), jobs(v));
  }

  private static JobSettings jobs(Map<NodeFlag, String> v) {
    String url = v.get(NodeFlag.PG_URL);
    if (url != null && url.isEmpty()) {
      url = null;
    }
    if (url != null && !url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      throw new IllegalArgumentException(NodeFlag.PG_URL.flag() + " must be a postgresql:// URL");
    }
    int slots = integer(v, NodeFlag.JOB_SLOTS);
    int pool = integer(v, NodeFlag.PG_POOL_SIZE);
    if (slots < 1 || pool < 1) {
      throw new IllegalArgumentException(NodeFlag.JOB_SLOTS.flag() + " and " + NodeFlag.PG_POOL_SIZE.flag()
          + " must be 1 or more");
    }
    return new JobSettings(new io.streamcast.producer.jobs.JobsConfig(integer(v, NodeFlag.JOB_IDLE_CANCEL_SECONDS),
        integer(v, NodeFlag.JOB_MAX_SECONDS), integer(v, NodeFlag.JOB_RECORD_SECONDS)), slots, url, pool,
        io.streamcast.producer.jobs.ExportJobs.parseQueries(v.get(NodeFlag.EXPORT_QUERIES)));
  }

  /**
   * The cluster's size for the quorum: given, or counted from {@code --members} (with this node, which
   * a list may or may not name). Kubernetes discovery has no list to count, so there it must be given.
   */
  private static int expectedMembers(Map<NodeFlag, String> v, String self, List<String> members) {
    if (v.get(NodeFlag.EXPECTED_MEMBERS) != null) {
      return integer(v, NodeFlag.EXPECTED_MEMBERS);
    }
    if (v.get(NodeFlag.KUBERNETES_SERVICE_DNS) != null) {
      throw new IllegalArgumentException(NodeFlag.EXPECTED_MEMBERS.flag() + " is required with "
          + NodeFlag.KUBERNETES_SERVICE_DNS.flag() + " (the number of replicas)");
    }
    if (members.isEmpty()) {
      return 1;
    }
    Set<String> distinct = new HashSet<>(members);
    distinct.add(self);
    return distinct.size();
  }

  private static List<String> corsOrigins(Map<NodeFlag, String> v) {
    return EdgeCors.origins(Arrays.asList(v.get(NodeFlag.CORS_ORIGINS).split(",")));
  }

  /** HTTPS needs both files, readable now: a missing one stops the start with exit 2, not at the listen. */
  private static EdgeConfig.TlsFiles tls(Map<NodeFlag, String> v) {
    String cert = v.get(NodeFlag.TLS_CERT);
    String key = v.get(NodeFlag.TLS_KEY);
    if (cert == null && key == null) {
      return null;
    }
    if (cert == null || key == null || cert.isEmpty() || key.isEmpty()) {
      throw new IllegalArgumentException(NodeFlag.TLS_CERT.flag() + " and " + NodeFlag.TLS_KEY.flag()
          + " go together: give both PEM files");
    }
    for (NodeFlag f : List.of(NodeFlag.TLS_CERT, NodeFlag.TLS_KEY)) {
      Path p;
      try {
        p = Path.of(v.get(f));
      } catch (InvalidPathException e) {
        throw new IllegalArgumentException(f.flag() + ": not a path: " + v.get(f));
      }
      if (!Files.isReadable(p) || Files.isDirectory(p)) {
        throw new IllegalArgumentException(f.flag() + ": cannot read " + v.get(f));
      }
    }
    return new EdgeConfig.TlsFiles(cert, key);
  }

  /** Auth is on with exactly one key; the PEM file is read and parsed now, so a bad one stops the start. */
  static AuthSettings auth(Map<NodeFlag, String> v) {
    String secret = v.get(NodeFlag.JWT_SECRET);
    String keyFile = v.get(NodeFlag.JWT_PUBLIC_KEY);
    if (secret != null && keyFile != null) {
      throw new IllegalArgumentException("--jwt-secret and --jwt-public-key exclude each other: give one key");
    }
    if (secret != null) {
      return AuthSettings.secret(secret);
    }
    if (keyFile == null) {
      return AuthSettings.OFF;
    }
    if (keyFile.isEmpty()) {
      throw new IllegalArgumentException("--jwt-public-key must name a PEM file");
    }
    String pem;
    try {
      // Latin-1 never fails to decode: a binary file is reported as "no PEM block" below instead
      pem = Files.readString(Path.of(keyFile), StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--jwt-public-key: cannot read " + keyFile + ": no such file");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException("--jwt-public-key: cannot read " + keyFile + ": permission denied");
    } catch (IOException | InvalidPathException e) {
      throw new IllegalArgumentException("--jwt-public-key: cannot read " + keyFile + ": "
          + String.valueOf(e.getMessage()).replace('\n', ' '));
    }
    return AuthSettings.publicKeyPem(pem, keyFile);
  }

  private static int integer(Map<NodeFlag, String> v, NodeFlag f) {
    return parsed(v, f, Integer::parseInt, "a whole number");
  }

  /** @return the flag's value as {@code parse} reads it; a value it refuses is reported as not {@code what} */
  private static <T> T parsed(Map<NodeFlag, String> v, NodeFlag f, java.util.function.Function<String, T> parse,
      String what) {
    String s = v.get(f);
    try {
      return parse.apply(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(f.flag() + " must be " + what + ", got '" + s + "'");
    }
  }

  private static long longInteger(Map<NodeFlag, String> v, NodeFlag f) {
    return parsed(v, f, Long::parseLong, "a whole number");
  }

  private static double fraction(Map<NodeFlag, String> v, NodeFlag f) {
    return parsed(v, f, Double::parseDouble, "a number such as 0.85");
  }

  private static int notNegative(Map<NodeFlag, String> v, NodeFlag f) {
    return (int) notNegative(f, integer(v, f));
  }

  private static long notNegativeLong(Map<NodeFlag, String> v, NodeFlag f) {
    return notNegative(f, longInteger(v, f));
  }

  private static long notNegative(NodeFlag f, long n) {
    if (n < 0) {
      throw new IllegalArgumentException(f.flag() + " must be 0 (no limit) or more, got " + n);
    }
    return n;
  }

  /**
   * @return a warning for the log when a per-user limit is set while auth is off (without a token
   *     there is no user to count, so the limit does nothing); null when there is nothing to say
   */
  public String perUserLimitsWarning() {
    boolean limitSet = edge.maxConnectionsPerUser() > 0 || producer.maxPublishesPerSecondPerUser() > 0
        || edge.maxBytesPerMinutePerUser() > 0;
    if (!limitSet || edge.auth().enabled()) {
      return null;
    }
    return "per-user limits (" + NodeFlag.MAX_CONNECTIONS_PER_USER.flag() + ", "
        + NodeFlag.MAX_PUBLISHES_PER_SECOND_PER_USER.flag() + ", " + NodeFlag.MAX_BYTES_PER_MINUTE_PER_USER.flag()
        + ") count users by their token's sub and need auth ("
        + NodeFlag.JWT_SECRET.flag() + " or " + NodeFlag.JWT_PUBLIC_KEY.flag() + "): they are inactive on this node";
  }

  /**
   * The warning a {@code node} logs at start when anyone who reaches it may read and write every
   * stream: auth is off and its HTTP ports bind an address beyond loopback (the default {@code
   * 0.0.0.0} included). The demo says nothing: it is meant to be tried on one's own machine.
   *
   * <p>Resolves {@code --bind-host} when it is a name (as binding it will), so call it off any
   * event loop; a name that does not resolve counts as beyond loopback.
   *
   * @return the warning for the log; null when auth is on, in the demo, or bound to loopback only
   */
  public String openAuthWarning() {
    if (demo || edge.auth().enabled()) {
      return null;
    }
    String host = edgeRole() ? edge.bindHost() : producer.bindHost();
    if (loopback(host)) {
      return null;
    }
    StringBuilder ports = new StringBuilder();
    if (edgeRole()) {
      ports.append("the edge port ").append(host).append(':').append(edge.httpPort());
    }
    if (producerRole()) {
      ports.append(ports.length() == 0 ? "" : " and ").append("the publish port ").append(host).append(':')
          .append(producer.publishPort());
    }
    return "*** AUTH IS OFF on a node reachable beyond loopback: whoever reaches " + ports
        + " may subscribe to and publish on every stream. Turn auth on with " + NodeFlag.JWT_SECRET.env()
        + " (or " + NodeFlag.JWT_SECRET.flag() + ") or " + NodeFlag.JWT_PUBLIC_KEY.flag() + ", or bind "
        + NodeFlag.BIND_HOST.flag() + " 127.0.0.1; see the README's Security section ***";
  }

  /** @return whether {@code host} is a loopback address (a wildcard such as 0.0.0.0 is not) */
  private static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean bool(Map<NodeFlag, String> v, NodeFlag f) {
    String s = v.get(f);
    if ("true".equalsIgnoreCase(s) || "false".equalsIgnoreCase(s)) {
      return Boolean.parseBoolean(s);
    }
    throw new IllegalArgumentException(f.flag() + " must be true or false, got '" + s + "'");
  }

  private static int port(Map<NodeFlag, String> v, NodeFlag f, boolean zeroAllowed) {
    int p = integer(v, f);
    if (p < (zeroAllowed ? 0 : 1) || p > 65535) {
      throw new IllegalArgumentException(f.flag() + " must be a port number " + (zeroAllowed ? "0" : "1") + "-65535, got " + p);
    }
    return p;
  }
}
