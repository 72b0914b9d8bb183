package io.streamcast.app;

import static io.streamcast.app.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.streamcast.edge.EdgeCors;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CORS on the edge port, over real HTTP, header by header: the preflight, {@code Vary: Origin},
 * credentials only for listed origins, {@code *} without them, an unlisted origin refused without any
 * {@code Access-Control-*} header, and nothing of it while {@code --cors-origins} is not set.
 * ({@code CrossOriginBrowserTest} shows the same with a real browser.)
 */
class CorsTest {

  private static final String LISTED = "http://app.example.test:3000";

  private static TestCluster listed;
  private static TestCluster any;
  private static TestCluster off;
  private static Vertx vertx;
  private static HttpClient client;

  @BeforeAll
  @Timeout(120)
  static void start() {
    listed = TestCluster.start(1, Map.of(NodeFlag.CORS_ORIGINS, LISTED + ", https://other.example.test"));
    any = TestCluster.start(1, Map.of(NodeFlag.CORS_ORIGINS, "*"));
    off = TestCluster.start(1);
    vertx = Vertx.vertx();
    client = LoopHttpClient.create(vertx);
  }

  @AfterAll
  @Timeout(60)
  static void stop() {
    for (TestCluster c : new TestCluster[] {listed, any, off}) {
      if (c != null) {
        c.close();
      }
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  @Timeout(30)
  void preflightOfAListedOriginAllowsTheEdgesHeadersWithCredentials() {
    Publishing.Answer a = await(Publishing.request(client, HttpMethod.OPTIONS, listed.edge(0) + "/streams/cors.a",
        Map.of("Origin", LISTED, "Access-Control-Request-Method", "GET",
            "Access-Control-Request-Headers", "last-event-id,authorization")));
    assertEquals(204, a.status());
    assertEquals(LISTED, a.headers().get("Access-Control-Allow-Origin"));
    assertEquals("true", a.headers().get("Access-Control-Allow-Credentials"));
    assertEquals(Set.of("get"), list(a.headers(), "Access-Control-Allow-Methods"));
    assertEquals(Set.of("last-event-id", "authorization", "content-type", "accept"),
        list(a.headers(), "Access-Control-Allow-Headers"));
    assertEquals(Integer.toString(EdgeCors.PREFLIGHT_MAX_AGE_SECONDS), a.headers().get("Access-Control-Max-Age"));
    assertTrue(list(a.headers(), "Vary").contains("origin"), "Vary: " + a.headers().get("Vary"));
  }

  @Test
  @Timeout(30)
  void aListedOriginGetsItsStreamWithCredentialsAndVary() {
    // a browser sends the origin as it serializes it; a listed https origin without its default port
    Publishing.Answer a = await(Publishing.get(client, listed.edge(0) + "/streams/cors.b",
        Map.of("Origin", "https://other.example.test")));
    assertEquals(200, a.status());
    assertEquals("https://other.example.test", a.headers().get("Access-Control-Allow-Origin"));
    assertEquals("true", a.headers().get("Access-Control-Allow-Credentials"));
    assertTrue(list(a.headers(), "Vary").contains("origin"));
    assertTrue(list(a.headers(), "Access-Control-Expose-Headers").contains("retry-after"));
    // info and errors carry the headers too, so a page can read why it was refused
    Publishing.Answer bad = await(Publishing.get(client, listed.edge(0) + "/streams/bad%20name",
        Map.of("Origin", LISTED)));
    assertEquals(400, bad.status());
    assertEquals(LISTED, bad.headers().get("Access-Control-Allow-Origin"));
  }

  @Test
  @Timeout(30)
  void anUnlistedOriginIsRefusedAndNeverReflected() {
    for (String origin : List.of("http://evil.example.test", "http://app.example.test:3001",
        "https://app.example.test:3000", "null", "http://app.example.test:3000.evil.test")) {
      Publishing.Answer a = await(Publishing.get(client, listed.edge(0) + "/streams/cors.c", Map.of("Origin", origin)));
      assertEquals(403, a.status(), origin);
      assertEquals("forbidden", a.body().getString("error"), origin);
      assertNull(a.headers().get("Access-Control-Allow-Origin"), origin);
      assertNull(a.headers().get("Access-Control-Allow-Credentials"), origin);
      assertTrue(list(a.headers(), "Vary").contains("origin"), origin);
      Publishing.Answer preflight = await(Publishing.request(client, HttpMethod.OPTIONS,
          listed.edge(0) + "/streams/cors.c", Map.of("Origin", origin, "Access-Control-Request-Method", "GET")));
      assertEquals(403, preflight.status(), origin);
      assertNull(preflight.headers().get("Access-Control-Allow-Origin"), origin);
    }
  }

  @Test
  @Timeout(30)
  void withoutAnOriginNothingChangesButVary() {
    Publishing.Answer a = await(Publishing.get(client, listed.edge(0) + "/health", Map.of()));
    assertEquals(200, a.status());
    assertNull(a.headers().get("Access-Control-Allow-Origin"));
    assertTrue(list(a.headers(), "Vary").contains("origin"));
  }

  @Test
  @Timeout(30)
  void starAllowsAnyOriginWithoutCredentials() {
    Publishing.Answer a = await(Publishing.get(client, any.edge(0) + "/streams/cors.d",
        Map.of("Origin", "http://anyone.example.test")));
    assertEquals(200, a.status());
    assertEquals("*", a.headers().get("Access-Control-Allow-Origin"));
    assertNull(a.headers().get("Access-Control-Allow-Credentials"));
    Publishing.Answer preflight = await(Publishing.request(client, HttpMethod.OPTIONS, any.edge(0) + "/streams/cors.d",
        Map.of("Origin", "http://anyone.example.test", "Access-Control-Request-Method", "GET")));
    assertEquals(204, preflight.status());
    assertEquals("*", preflight.headers().get("Access-Control-Allow-Origin"));
    assertNull(preflight.headers().get("Access-Control-Allow-Credentials"));
  }

  @Test
  @Timeout(30)
  void offByDefault() {
    Publishing.Answer a = await(Publishing.get(client, off.edge(0) + "/streams/cors.e",
        Map.of("Origin", "http://anyone.example.test")));
    assertEquals(200, a.status());
    assertNull(a.headers().get("Access-Control-Allow-Origin"));
    Publishing.Answer preflight = await(Publishing.request(client, HttpMethod.OPTIONS, off.edge(0) + "/streams/cors.e",
        Map.of("Origin", "http://anyone.example.test", "Access-Control-Request-Method", "GET")));
    assertEquals(405, preflight.status());
  }

  @Test
  @Timeout(30)
  void unknownPathsAndMethodsKeepTheirAnswersWithCorsOn() {
    Publishing.Answer nope = await(Publishing.get(client, listed.edge(0) + "/nope", Map.of("Origin", LISTED)));
    assertEquals(404, nope.status());
    assertEquals(LISTED, nope.headers().get("Access-Control-Allow-Origin"));
    Publishing.Answer delete = await(Publishing.request(client, HttpMethod.DELETE, listed.edge(0) + "/streams/cors.f",
        Map.of("Origin", LISTED)));
    assertEquals(405, delete.status());
    assertEquals("GET", delete.headers().get("Allow"));
    // an OPTIONS that is not a preflight is no exception
    assertEquals(405, await(Publishing.request(client, HttpMethod.OPTIONS, listed.edge(0) + "/streams/cors.f",
        Map.of())).status());
  }

  @Test
  void flagsReachTheEdge() {
    NodeConfig config = NodeConfig.resolve(Map.of(NodeFlag.CORS_ORIGINS, "https://App.example.test, http://b.test:81"),
        Map.of(), Map.of(), false);
    assertEquals(List.of("https://app.example.test", "http://b.test:81"), config.edge().corsOrigins());
    assertEquals(List.of(), NodeConfig.resolve(Map.of(), Map.of(), Map.of(), false).edge().corsOrigins());
    assertEquals(List.of("*"), NodeConfig.resolve(Map.of(), Map.of("STREAMCAST_CORS_ORIGINS", "*"),
        Map.of(), false).edge().corsOrigins());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NodeConfig.resolve(Map.of(NodeFlag.TLS_CERT, "/no/such/cert.pem"), Map.of(), Map.of(), false));
    assertTrue(e.getMessage().contains("--tls-key"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.resolve(
        Map.of(NodeFlag.TLS_CERT, "/no/such/cert.pem", NodeFlag.TLS_KEY, "/no/such/key.pem"), Map.of(), Map.of(), false));
    assertEquals("--tls-cert: cannot read /no/such/cert.pem", e.getMessage());
  }

  @Test
  void originListsAreValidated() {
    assertEquals(List.of("https://a.example", "http://b.example:8080"),
        EdgeCors.origins(List.of(" HTTPS://A.example:443 ", "", "http://b.example:8080", "https://a.example")));
    for (String bad : List.of("*,https://a.example", "null", "https://a.example/app", "a.example", "ftp://a.example",
        "https://a.example?x=1", "https://user@a.example")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> EdgeCors.origins(Arrays.asList(bad.split(","))), bad);
      assertTrue(e.getMessage().startsWith("--cors-origins"), e.getMessage());
    }
  }

  /** @return the comma-separated values of a header, lower-cased and trimmed */
  private static Set<String> list(MultiMap headers, String name) {
    String v = headers.get(name);
    return v == null ? Set.of() : Arrays.stream(v.split(",")).map(s -> s.trim().toLowerCase())
        .filter(s -> !s.isEmpty()).collect(Collectors.toSet());
  }
}
