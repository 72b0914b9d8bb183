package io.streamcast.app;

import io.streamcast.core.AuthSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code streamcast.jar token --sub alice --sub-streams 'chat.*' --pub-streams 'chat.*' --ttl 1h}: prints
 * an access token a node accepts, signed with the key the node is configured with: its HS256 secret
 * ({@code --jwt-secret}, {@code STREAMCAST_JWT_SECRET}, or the {@code --config} file, as for {@code node}),
 * or, for a node verifying with {@code --jwt-public-key}, the matching private key
 * ({@code --jwt-private-key}, {@code STREAMCAST_JWT_PRIVATE_KEY}: a PKCS#8 PEM file). Signing is
 * vertx-auth-jwt's {@code JWTAuth.generateToken}, the library the nodes verify with.
 *
 * <p>Only the token goes to stdout (so {@code TOKEN=$(... token ...)} works); errors go to stderr with
 * exit status 2.
 */
final class TokenCommand {

  /** Default lifetime of a token. */
  static final String DEFAULT_TTL = "1h";
  /** Environment variable of {@code --jwt-private-key}. */
  static final String PRIVATE_KEY_ENV = "STREAMCAST_JWT_PRIVATE_KEY";

  private static final Pattern TTL = Pattern.compile("(\\d{1,9})([smhd]?)");
  private static final Pattern PRIVATE_KEY_PEM =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final Pattern STREAM_PATTERN = Pattern.compile("[A-Za-z0-9._*-]{1,128}");

  private TokenCommand() {
  }

  /** The {@code token} command's own options; the node's flags are added next to them. */
  static void addOptions(CommandSpec spec) {
    spec.addOption(OptionSpec.builder("--sub").paramLabel("<user>").type(String.class)
        .description("the user the token names (its sub claim: per-user limits count by it)").build());
    spec.addOption(OptionSpec.builder("--sub-streams").paramLabel("<patterns>").type(String[].class)
        .description("comma list of stream-name patterns the token may subscribe to (* matches any run of "
            + "characters; a system stream needs a pattern starting with _); may be repeated").build());
    spec.addOption(OptionSpec.builder("--pub-streams").paramLabel("<patterns>").type(String[].class)
        .description("comma list of stream-name patterns the token may publish to; may be repeated").build());
    spec.addOption(OptionSpec.builder("--ttl").paramLabel("<duration>").type(String.class)
        .description("lifetime: seconds, or a number with s, m, h or d (default " + DEFAULT_TTL + ")").build());
    spec.addOption(OptionSpec.builder("--jwt-private-key").paramLabel("<file.pem>").type(String.class)
        .description("PKCS#8 PEM private key (RSA: RS256; EC P-256/384/521: ES256/384/512) for a node that "
            + "verifies with --jwt-public-key; env " + PRIVATE_KEY_ENV).build());
  }

  /**
   * Makes the token.
   *
   * @param parsed the {@code token} command's parse result
   * @param env the process environment
   * @return the token
   * @throws IllegalArgumentException with a one-line reason
   */
  static String token(ParseResult parsed, Map<String, String> env) {
    Map<NodeFlag, String> flags = new EnumMap<>(NodeFlag.class);
    for (NodeFlag f : NodeFlag.values()) {
      if (parsed.hasMatchedOption(f.flag())) {
        flags.put(f, parsed.matchedOptionValue(f.flag(), (String) null));
      }
    }
    String configPath = flags.getOrDefault(NodeFlag.CONFIG, env.get(NodeFlag.CONFIG.env()));
    Map<String, String> file = configPath == null ? Map.of() : ConfigFile.read(Path.of(configPath));
    // the node's key, found as the node finds it: flag, then environment, then file
    Map<NodeFlag, String> keys = new EnumMap<>(NodeFlag.class);
    for (NodeFlag f : List.of(NodeFlag.JWT_SECRET, NodeFlag.JWT_PUBLIC_KEY)) {
      String value = flags.getOrDefault(f, env.getOrDefault(f.env(), file.get(f.key())));
      if (value != null) {
        keys.put(f, value.trim());
      }
    }
    AuthSettings verifier = NodeConfig.auth(keys);
    String privateKeyFile = parsed.matchedOptionValue("--jwt-private-key", env.get(PRIVATE_KEY_ENV));

    JsonObject claims = new JsonObject();
    String sub = parsed.matchedOptionValue("--sub", (String) null);
    if (sub != null) {
      if (sub.isBlank()) {
        throw new IllegalArgumentException("--sub must not be empty");
      }
      claims.put("sub", sub);
    }
    JsonArray subStreams = patterns(parsed, "--sub-streams");
    JsonArray pubStreams = patterns(parsed, "--pub-streams");
    if (subStreams.isEmpty() && pubStreams.isEmpty()) {
      throw new IllegalArgumentException("give --sub-streams and/or --pub-streams: a token without either grants nothing");
    }
    if (!subStreams.isEmpty()) {
      claims.put("sub_streams", subStreams);
    }
    if (!pubStreams.isEmpty()) {
      claims.put("pub_streams", pubStreams);
    }
    long ttl = ttlSeconds(parsed.matchedOptionValue("--ttl", DEFAULT_TTL));

    String algorithm;
    String key;
    if (privateKeyFile != null) {
      if (verifier.enabled() && verifier.algorithm().equals("HS256")) {
        throw new IllegalArgumentException("--jwt-private-key and --jwt-secret exclude each other: give the node's key");
      }
      key = privateKeyPem(privateKeyFile);
      algorithm = algorithmOf(key, privateKeyFile);
    } else if (verifier.enabled() && verifier.algorithm().equals("HS256")) {
      algorithm = "HS256";
      key = verifier.key();
    } else if (verifier.enabled()) {
      throw new IllegalArgumentException("this node verifies with --jwt-public-key: sign with its private key, "
          + "--jwt-private-key <file.pem> (or " + PRIVATE_KEY_ENV + ")");
    } else {
      throw new IllegalArgumentException("no key to sign with: give the node's --jwt-secret (or "
          + NodeFlag.JWT_SECRET.env() + ") or, for a node with --jwt-public-key, --jwt-private-key");
    }

    Vertx vertx = Vertx.vertx();
    try {
      JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions()
          .addPubSecKey(new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(key)));
      String token = signer.generateToken(claims, new JWTOptions().setAlgorithm(algorithm)
          .setExpiresInSeconds((int) ttl));
      if (verifier.enabled() && !verifier.algorithm().equals("HS256")) {
        // a private key that does not match the node's public key would make tokens every node refuses
        JWTAuth check = JWTAuth.create(vertx, new JWTAuthOptions()
            .addPubSecKey(new PubSecKeyOptions().setAlgorithm(verifier.algorithm()).setBuffer(verifier.key())));
        try {
          check.authenticate(new TokenCredentials(token)).toCompletionStage().toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalArgumentException("--jwt-private-key " + privateKeyFile
              + " does not match the node's --jwt-public-key: the node would refuse the token");
        }
      }
      return token;
    } finally {
      try {
        // wait: the command prints and returns, and Vert.x's threads would keep the JVM alive meanwhile
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // nothing was left to stop
      }
    }
  }

  private static JsonArray patterns(ParseResult parsed, String option) {
    JsonArray out = new JsonArray();
    if (!parsed.hasMatchedOption(option)) {
      return out;
    }
    List<String> values = new ArrayList<>();
    for (String v : parsed.matchedOption(option).<String>stringValues()) {
      values.add(v);
    }
    for (String v : values) {
      for (String p : v.split(",")) {
        String pattern = p.trim();
        if (pattern.isEmpty()) {
          continue;
        }
        if (!STREAM_PATTERN.matcher(pattern).matches()) {
          throw new IllegalArgumentException(option + ": '" + pattern + "' is not a stream-name pattern "
              + "(letters, digits, '.', '_', '-' and '*', at most 128)");
        }
        if (!out.contains(pattern)) {
          out.add(pattern);
        }
      }
    }
    return out;
  }

  /** @return seconds of {@code 90}, {@code 90s}, {@code 15m}, {@code 1h} or {@code 7d} */
  static long ttlSeconds(String ttl) {
    Matcher m = TTL.matcher(ttl.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("--ttl must be seconds or a number with s, m, h or d (such as 1h), got '"
          + ttl + "'");
    }
    long n = Long.parseLong(m.group(1));
    long seconds = switch (m.group(2)) {
      case "m" -> n * 60;
      case "h" -> n * 3600;
      case "d" -> n * 86400;
      default -> n;
    };
    if (seconds < 1 || seconds > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("--ttl must be between 1 second and about 68 years, got '" + ttl + "'");
    }
    return seconds;
  }

  private static String privateKeyPem(String file) {
    String pem;
    try {
      pem = Files.readString(Path.of(file), StandardCharsets.ISO_8859_1);
    } catch (IOException | InvalidPathException e) {
      throw new IllegalArgumentException("--jwt-private-key: cannot read " + file);
    }
    Matcher m = PRIVATE_KEY_PEM.matcher(pem);
    if (!m.find()) {
      throw new IllegalArgumentException("--jwt-private-key " + file + " holds no '-----BEGIN PRIVATE KEY-----' "
          + "(PKCS#8) block; convert one with: openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem");
    }
    return m.group();
  }

  /** The algorithm follows from the key, as the node's follows from its public key. */
  private static String algorithmOf(String pem, String file) {
    Matcher m = PRIVATE_KEY_PEM.matcher(pem);
    m.find();
    PKCS8EncodedKeySpec spec;
    try {
      spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1).replaceAll("\\s", "")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--jwt-private-key " + file + " is not valid base64 PEM");
    }
    try {
      KeyFactory.getInstance("RSA").generatePrivate(spec);
      return "RS256";
    } catch (GeneralSecurityException notRsa) {
      // try EC next
    }
    try {
      ECPrivateKey key = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(spec);
      switch (key.getParams().getCurve().getField().getFieldSize()) {
        case 256:
          return "ES256";
        case 384:
          return "ES384";
        case 521:
          return "ES512";
        default:
          break;
      }
    } catch (GeneralSecurityException | ClassCastException notEc) {
      // reported below
    }
    throw new IllegalArgumentException("--jwt-private-key " + file + " holds no RSA or EC (P-256/P-384/P-521) private key");
  }
}
