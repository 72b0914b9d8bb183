package io.streamcast.app;

import static io.streamcast.app.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.ParseResult;

/**
 * {@code streamcast.jar token}: a token it prints is accepted by a node with the same key (HS256 secret
 * from the flag or the environment; ES256 with the private key of the node's public key) and carries the
 * claims asked for; a key that cannot sign for the node is refused with one line. ({@code TokenCommandIT}
 * runs the command from the jar.)
 */
class TokenCommandTest {

  private static final String SECRET = "token-command-test-secret-0123456789";

  private static TestCluster cluster;
  private static Vertx vertx;
  private static HttpClient client;

  @BeforeAll
  @Timeout(90)
  static void start() {
    cluster = TestCluster.start(1, Map.of(NodeFlag.JWT_SECRET, SECRET));
    vertx = Vertx.vertx();
    client = LoopHttpClient.create(vertx);
  }

  @AfterAll
  @Timeout(60)
  static void stop() {
    TestCluster.close(cluster, vertx);
  }

  /** Runs {@code streamcast token <args>} as the launcher parses it. */
  static String token(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of("token"));
    all.addAll(List.of(args));
    ParseResult parsed = Streamcast.commandLine().parseArgs(all.toArray(String[]::new));
    return TokenCommand.token(parsed.subcommand(), env);
  }

  static JsonObject claims(String token) {
    String[] parts = token.split("\\.");
    assertEquals(3, parts.length, token);
    return new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
  }

  @Test
  @Timeout(60)
  void aTokenFromTheSecretIsAcceptedAndCarriesTheClaims() {
    String token = token(Map.of(), "--sub", "alice", "--sub-streams", "chat.*", "--pub-streams", "chat.*",
        "--ttl", "1h", "--jwt-secret", SECRET);
    JsonObject claims = claims(token);
    assertEquals("alice", claims.getString("sub"));
    assertEquals(new JsonArray().add("chat.*"), claims.getJsonArray("sub_streams"));
    assertEquals(new JsonArray().add("chat.*"), claims.getJsonArray("pub_streams"));
    assertEquals(3600, claims.getLong("exp") - claims.getLong("iat"));
    assertTrue(Math.abs(claims.getLong("iat") - System.currentTimeMillis() / 1000) < 60);

    assertEquals(201, await(Publishing.post(client, cluster.publish(0) + "/streams/chat.room", Buffer.buffer("hi"),
        Tokens.bearer(token))).status());
    assertEquals(200, await(Publishing.get(client, cluster.edge(0) + "/streams/chat.room", Tokens.bearer(token)))
        .status());
    assertEquals(403, await(Publishing.get(client, cluster.edge(0) + "/streams/orders", Tokens.bearer(token)))
        .status());
  }

  @Test
  @Timeout(60)
  void theSecretComesFromTheEnvironmentAsForANode() {
    String token = token(Map.of(NodeFlag.JWT_SECRET.env(), SECRET), "--sub-streams", "a.*,b", "--sub-streams", "c",
        "--ttl", "90");
    JsonObject claims = claims(token);
    assertEquals(new JsonArray().add("a.*").add("b").add("c"), claims.getJsonArray("sub_streams"));
    assertEquals(90, claims.getLong("exp") - claims.getLong("iat"));
    assertTrue(!claims.containsKey("sub") && !claims.containsKey("pub_streams"), claims.encode());
    assertEquals(200, await(Publishing.get(client, cluster.edge(0) + "/streams/a.x", Tokens.bearer(token))).status());
    // another secret makes a token the node refuses
    String forged = token(Map.of(NodeFlag.JWT_SECRET.env(), "another-secret"), "--sub-streams", "a.*");
    assertEquals(401, await(Publishing.get(client, cluster.edge(0) + "/streams/a.x", Tokens.bearer(forged))).status());
  }

  @Test
  @Timeout(90)
  void aPublicKeyNodeAcceptsATokenSignedWithItsPrivateKey(@TempDir Path dir) throws Exception {
    KeyPair pair = ecPair();
    Path publicKey = pem(dir.resolve("public.pem"), "PUBLIC KEY", pair.getPublic().getEncoded());
    Path privateKey = pem(dir.resolve("private.pem"), "PRIVATE KEY", pair.getPrivate().getEncoded());
    Path otherKey = pem(dir.resolve("other.pem"), "PRIVATE KEY", ecPair().getPrivate().getEncoded());
    try (TestCluster es = TestCluster.start(1, Map.of(NodeFlag.JWT_PUBLIC_KEY, publicKey.toString()))) {
      // the node's flags plus its private key: the command checks the pair before printing
      String token = token(Map.of(TokenCommand.PRIVATE_KEY_ENV, privateKey.toString()), "--sub", "bob",
          "--sub-streams", "orders.*", "--jwt-public-key", publicKey.toString());
      assertEquals(200, await(Publishing.get(client, es.edge(0) + "/streams/orders.eu", Tokens.bearer(token)))
          .status());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> token(Map.of(), "--sub-streams",
          "x", "--jwt-public-key", publicKey.toString(), "--jwt-private-key", otherKey.toString()));
      assertTrue(e.getMessage().contains("does not match"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> token(Map.of(), "--sub-streams", "x", "--jwt-public-key", publicKey.toString()));
      assertTrue(e.getMessage().contains("--jwt-private-key"), e.getMessage());
    }
  }

  @Test
  void mistakesAreOneLine() {
    for (String[] args : List.of(new String[] {"--sub", "a"}, new String[] {"--sub-streams", "x", "--ttl", "1w"},
        new String[] {"--sub-streams", "bad name"}, new String[] {"--sub-streams", "x", "--ttl", "0"})) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> token(Map.of(NodeFlag.JWT_SECRET.env(), SECRET), args));
      assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> token(Map.of(), "--sub-streams", "x"));
    assertTrue(e.getMessage().startsWith("no key to sign with"), e.getMessage());
  }

  private static KeyPair ecPair() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static Path pem(Path file, String type, byte[] der) throws Exception {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    return file;
  }
}
