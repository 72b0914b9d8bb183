package io.streamcast.app;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The launcher: {@code streamcast.jar [demo|node] [flags]}. No arguments runs the demo: one node
 * with both roles and demo streams. A bad flag or a busy port ends the process with a one-line
 * reason and a non-zero status; {@code SIGTERM} drains the node and exits 0.
 *
 * <p>Exit statuses: {@code 0} drained on {@code SIGTERM}; {@code 1} could not start, or a drain cut
 * short by {@code --drain-seconds}; {@code 2} configuration error; {@code 3} the node's Hazelcast
 * member went away without the node asking (Hazelcast's OutOfMemoryError handler, a cluster-wide
 * shutdown, a fatal error): the node cannot serve any more and must be restarted.
 */
public final class Streamcast {

  /** Exit status for a configuration error (bad flag, bad file). */
  static final int EXIT_USAGE = 2;
  /** Exit status for a failure to start (port in use, cluster join failed). */
  static final int EXIT_FAILURE = 1;
  /** Exit status when the node's cluster member is lost under it (see {@link MemberLossWatch}). */
  static final int EXIT_MEMBER_LOST = 3;

  private Streamcast() {
  }

  /** Entry point. */
  public static void main(String[] args) {
    configureLogging();
    CommandLine cli = commandLine();
    ParseResult parsed;
    try {
      parsed = cli.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      fail(EXIT_USAGE, e.getMessage() + " (see --help)");
      return;
    }
    if (CommandLine.printHelpIfRequested(parsed)) {
      return;
    }
    ParseResult sub = parsed.subcommand();
    if (sub != null && sub.commandSpec().name().equals("token")) {
      try {
        System.out.println(TokenCommand.token(sub, System.getenv()));
      } catch (IllegalArgumentException e) {
        fail(EXIT_USAGE, e.getMessage());
      }
      return;
    }
    boolean demo = sub == null || sub.commandSpec().name().equals("demo");
    NodeConfig config;
    try {
      config = configFrom(sub == null ? parsed : sub, demo);
      checkPortsFree(config);
    } catch (IllegalArgumentException e) {
      fail(EXIT_USAGE, e.getMessage());
      return;
    } catch (PortInUseException e) {
      fail(EXIT_FAILURE, e.getMessage());
      return;
    }
    run(config);
  }

  private static void run(NodeConfig config) {
    StreamcastNode node;
    try {
      node = StreamcastNode.start(config, new JvmExit()).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      fail(EXIT_FAILURE, "could not start node " + config.cluster().nodeName() + ": " + oneLine(cause));
      return;
    }
    // SIGTERM/SIGINT drain the node, then exit 0 (see NodeDrain for why not a plain shutdown hook)
    NodeDrain.install(node, config.drainSeconds());
    if (config.demo()) {
      printDemoBanner(node);
    }
  }

  private static void printDemoBanner(StreamcastNode node) {
    String edge = (node.config().edge().tls() == null ? "http" : "https") + "://127.0.0.1:" + node.httpPort();
    String pub = "http://127.0.0.1:" + node.publishPort();
    System.out.println();
    System.out.println("Streamcast demo is running (node " + node.config().cluster().nodeName() + "). Try:");
    System.out.println("  live ticks     curl -N " + edge + "/streams/demo.ticks");
    System.out.println("  LLM-ish tokens curl -N '" + edge + "/streams/demo.tokens?from=earliest'");
    System.out.println("  publish        curl -X POST --data 'hello' " + pub + "/streams/chat");
    System.out.println("  stream info    curl " + edge + "/streams/demo.ticks/info");
    System.out.println("  health         curl " + edge + "/health");
    System.out.println("  dashboard      " + edge + "/dashboard   (metrics: " + edge + "/metrics)");
    System.out.println("Stop with Ctrl-C.");
    System.out.flush();
  }

  static CommandLine commandLine() {
    CommandSpec root = CommandSpec.create().name("streamcast");
    root.usageMessage().description("Clustered Server-Sent Events streaming. With no command, runs the demo.");
    root.mixinStandardHelpOptions(true);
    addNodeFlags(root);
    CommandSpec demo = CommandSpec.create().name("demo");
    demo.usageMessage().description("One node with both roles and demo streams (the default).");
    demo.mixinStandardHelpOptions(true);
    addNodeFlags(demo);
    CommandSpec node = CommandSpec.create().name("node");
    node.usageMessage().description("A cluster node. Every flag is also STREAMCAST_<FLAG> in the environment.");
    node.mixinStandardHelpOptions(true);
    addNodeFlags(node);
    CommandSpec token = CommandSpec.create().name("token");
    token.usageMessage().description("Prints an access token signed with the node's key (the same flags and "
        + "environment as node: --jwt-secret / STREAMCAST_JWT_SECRET, --config), or with --jwt-private-key for a "
        + "node verifying with --jwt-public-key.");
    token.mixinStandardHelpOptions(true);
    TokenCommand.addOptions(token);
    addNodeFlags(token);
    root.addSubcommand("demo", demo);
    root.addSubcommand("node", node);
    root.addSubcommand("token", token);
    return new CommandLine(root);
  }

  private static void addNodeFlags(CommandSpec spec) {
    for (NodeFlag f : NodeFlag.values()) {
      spec.addOption(OptionSpec.builder(f.flag())
          .paramLabel("<" + f.key() + ">")
          .type(String.class)
          .description(f.description() + (f.defaultValue() == null || f.defaultValue().isEmpty() ? ""
              : " (default " + f.defaultValue() + ")") + "; env " + f.env())
          .build());
    }
  }

  static NodeConfig configFrom(ParseResult parsed, boolean demo) {
    Map<NodeFlag, String> flags = new EnumMap<>(NodeFlag.class);
    for (NodeFlag f : NodeFlag.values()) {
      if (parsed.hasMatchedOption(f.flag())) {
        flags.put(f, parsed.matchedOptionValue(f.flag(), (String) null));
      }
    }
    Map<String, String> env = System.getenv();
    String configPath = flags.getOrDefault(NodeFlag.CONFIG, env.get(NodeFlag.CONFIG.env()));
    Map<String, String> file = configPath == null ? Map.of() : ConfigFile.read(Path.of(configPath));
    return NodeConfig.resolve(flags, env, file, demo);
  }

  /** Fails fast, before the (slower) cluster join, when a port is taken. */
  private static void checkPortsFree(NodeConfig config) throws PortInUseException {
    // every node listens on the edge port: the edge, or health, readiness and metrics without it
    checkFree(config.edge().bindHost(), config.edge().httpPort(), "--http-port");
    if (config.producerRole()) {
      checkFree(config.producer().bindHost(), config.producer().publishPort(), "--publish-port");
    }
    checkFree(config.cluster().host(), config.cluster().port(), "--cluster-port");
  }

  private static void checkFree(String host, int port, String flag) throws PortInUseException {
    if (port == 0) {
      return;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw new PortInUseException(flag + " " + host + ":" + port + " is not available: " + e.getMessage());
    }
  }

  private static void fail(int status, String reason) {
    System.err.println("streamcast: " + reason);
    System.exit(status);
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.replace('\n', ' ');
  }

  private static void configureLogging() {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    try (InputStream in = Streamcast.class.getResourceAsStream("/streamcast-logging.properties")) {
      if (in != null) {
        LogManager.getLogManager().readConfiguration(in);
      }
    } catch (IOException e) {
      System.err.println("streamcast: logging configuration not loaded: " + e.getMessage());
    }
  }

  /** A port the node needs is taken. */
  static final class PortInUseException extends Exception {
    private static final long serialVersionUID = 1L;

    PortInUseException(String message) {
      super(message, null, false, false);
    }
  }
}
