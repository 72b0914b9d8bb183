package io.streamcast.app;

/**
 * Every setting of a node, in one table: its flag ({@code --http-port}), environment variable
 * ({@code STREAMCAST_HTTP_PORT}), config-file key ({@code http-port}), default and help. The CLI,
 * the environment and the file reader are all generated from it, so they cannot drift apart.
 */
enum NodeFlag {
  ROLES("edge,producer", "which verticles this node deploys: edge, producer or both"),
  HTTP_PORT("8080", "edge port: subscribers, health, metrics, dashboard"),
  PUBLISH_PORT("8081", "producer port: publish API (internal, not for browsers)"),
  BIND_HOST("0.0.0.0", "address the HTTP ports bind"),
  CLUSTER_HOST("127.0.0.1", "address Hazelcast and the event bus bind and advertise"),
  CLUSTER_PORT("5701", "Hazelcast member port"),
  MEMBERS("", "comma list host:port of cluster members to join over TCP-IP (default: this node alone)"),
  NODE_NAME(null, "name shown in health, metrics, logs, dashboard (default host:cluster-port)"),
  CLUSTER_NAME("streamcast", "Hazelcast cluster name; nodes with another name never join"),
  EXPECTED_MEMBERS(null, "members the whole cluster has; a node that sees fewer than a majority of them (a partition, "
      + "a long pause) stops serving history (503 no_quorum) until it is back with the majority (default: the distinct "
      + "entries of --members plus this node; required with --kubernetes-service-dns; 1: no protection)"),
  KUBERNETES_SERVICE_DNS(null, "join through Kubernetes DNS discovery of this headless service instead of --members"),
  HEARTBEAT_SECONDS("15", "idle seconds before a heartbeat comment is sent on a stream"),
  HISTORY_CAPACITY("10000", "events kept per stream for replay"),
  HISTORY_TTL_SECONDS("3600", "seconds an event stays replayable (0: no age limit)"),
  HISTORY_MAX_BYTES("8388608", "bytes of events kept per stream for replay (the oldest are dropped beyond; "
      + "subscribers behind them get event: gap)"),
  HISTORY_BUDGET_BYTES("0", "bytes of history one node may own in all; beyond, the streams appended to least "
      + "recently lose their events (event: gap for their subscribers); 0: no node-wide bound"),
  COMPLETED_RETENTION_SECONDS("300", "seconds a completed stream stays resumable before it is deleted everywhere"),
  STREAM_IDLE_SECONDS("900", "seconds without events and without subscribers after which a stream is deleted"),
  TOMBSTONE_SECONDS("3600", "seconds a deleted stream is remembered, so a reconnect at its end gets 204 "
      + "and a publish 409, rather than a new, empty stream"),
  MAX_DATA_BYTES("1048576", "largest event data accepted (413 above)"),
  MAX_CONNECTIONS("50000", "streaming connections per node before 503"),
  IDEMPOTENCY_WINDOW_SECONDS("600", "seconds an Idempotency-Key is remembered"),
  DRAIN_DELAY_SECONDS("0", "seconds /ready answers 503 before streams are closed on SIGTERM, so a load balancer stops routing here first"),
  DRAIN_SECONDS("20", "upper bound on a SIGTERM drain before the process exits anyway"),
  METRICS_STREAM_LABELS("false", "true: also expose per-stream meters labelled with the stream name (connections, "
      + "history size); off by default because stream names are unbounded"),
  EVENTBUS_METRICS("false", "true: also expose Vert.x's event-bus meters (vertx_eventbus_*); off by default "
      + "because they cost three meter look-ups per event on the publish path"),
  EVENT_LOOPS("0", "Vert.x event loops (0: Vert.x's default, twice the cores); 1 puts the publish API, the edge "
      + "and the event bus on one thread: cheaper per event for one stream per request, slower fan-out at high "
      + "rates (ADR 15)"),
  JWT_SECRET(null, "turns auth on: the HS256 secret subscribers' and publishers' JWTs are signed with "
      + "(prefer the environment variable: a flag shows in the process list)"),
  JWT_PUBLIC_KEY(null, "turns auth on: a PEM file with the RSA (RS256) or EC (ES256) public key JWTs are verified with"),
  MAX_CONNECTIONS_PER_USER("0", "open streaming connections one user (the token's sub) may hold on this node before "
      + "429 (0: no limit; per node, so N nodes allow up to N times this; needs auth)"),
  MAX_PUBLISHES_PER_SECOND_PER_USER("0", "publishes per second (and burst) one user (the token's sub) may make on this "
      + "node before 429 (0: no limit; per node, so N nodes allow up to N times this; needs auth)"),
  MAX_BYTES_PER_MINUTE_PER_USER("0", "bytes one user (the token's sub) may receive per minute on this node over all "
      + "its streams; beyond, they end with event: error quota_exceeded and new ones get 429 until the minute is "
      + "over (0: no limit; per node; needs auth)"),
  MAX_STREAM_SECONDS("0", "seconds one streaming connection may stay open; then it ends with event: error "
      + "max_duration and the client resumes with its last id, losing nothing (0: no limit)"),
  SLOW_CONSUMER_TIMEOUT_SECONDS("60", "seconds a subscriber's connection may take no bytes while full before it is "
      + "dropped as a slow consumer; the client resumes with its last id (0: never; nginx's send_timeout is 60 s)"),
  CORS_ORIGINS("", "comma list of origins (https://app.example.com) whose pages may subscribe cross-origin, "
      + "with credentials (the streamcast_token cookie); * for any origin, without credentials (default: CORS off)"),
  TLS_CERT(null, "PEM certificate chain: the edge port serves HTTPS with HTTP/2 and HTTP/1.1 (with --tls-key); "
      + "a renewed file is picked up within seconds"),
  TLS_KEY(null, "PEM private key of --tls-cert"),
  MEMORY_HIGH_WATERMARK("0.85", "fraction (0.1-0.99) of the old generation's maximum that the heap still in use "
      + "after a collection may reach before the node refuses work that adds state (new streams, publishes) with 503; "
      + "it takes work again below this minus 0.10"),
  JOB_IDLE_CANCEL_SECONDS("30", "a job whose stream has had no subscriber on any node for this many seconds is "
      + "cancelled (0: never)"),
  JOB_MAX_SECONDS("3600", "a job running longer than this many seconds is cancelled (0: no limit)"),
  JOB_RECORD_SECONDS("3600", "seconds GET /jobs/{id} still answers for a job that ended"),
  JOB_SLOTS("200", "jobs of each built-in kind (tokens, progress) one node runs at once; beyond, another node is "
      + "asked, and 503 when none has room"),
  PG_URL(null, "PostgreSQL URL for the export job (postgresql://user:password@host:port/db); export is off without it "
      + "(prefer the environment variable: a flag shows in the process list)"),
  PG_POOL_SIZE("4", "connections to PostgreSQL per node, also the most export jobs one node runs at once"),
  EXPORT_QUERIES(null, "named queries the export job may run: name(type,..)=SQL entries separated by ';', with $1, "
      + "$2.. bound from the request's params as the declared types (text, int, bigint, numeric, boolean, date, "
      + "timestamp, timestamptz, uuid; all text without a declaration); never SQL from a request"),
  CONFIG(null, "a YAML or JSON file with the same keys; flags win over environment, environment over file");

  private final String defaultValue;
  private final String description;

  NodeFlag(String defaultValue, String description) {
    this.defaultValue = defaultValue;
    this.description = description;
  }

  /** @return the flag, e.g. {@code --http-port} */
  String flag() {
    return "--" + key();
  }

  /** @return the config-file key, e.g. {@code http-port} */
  String key() {
    return name().toLowerCase().replace('_', '-');
  }

  /** @return the environment variable, e.g. {@code STREAMCAST_HTTP_PORT} */
  String env() {
    return "STREAMCAST_" + name();
  }

  String defaultValue() {
    return defaultValue;
  }

  String description() {
    return description;
  }
}
