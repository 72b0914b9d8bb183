package io.streamcast.client;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backoff arithmetic, Retry-After parsing and option validation. */
class ClientOptionsTest {

  @Test
  void backoffDoublesFromItsBaseUpToItsMaximum() {
    Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), 0);
    assertEquals(List.of(100L, 200L, 400L, 800L, 1000L, 1000L),
      List.of(1, 2, 3, 4, 5, 50_000).stream().map(a -> backoff.delay(a).toMillis()).toList());
    assertEquals(60L, backoff.delay(2, Duration.ofMillis(30)).toMillis(), "a server base replaces the initial delay");
    assertEquals(1000L, backoff.delay(1, Duration.ofHours(1)).toMillis(), "a server base is capped");
  }

  @Test
  void jitterOnlyShortensTheDelay() {
    Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), 0.5);
    assertEquals(100L, backoff.delay(1, Duration.ofMillis(100), 0.0).toMillis());
    assertEquals(50L, backoff.delay(1, Duration.ofMillis(100), 1.0).toMillis());
    for (int i = 0; i < 1000; i++) {
      long delay = backoff.delay(3).toMillis();
      assertTrue(delay >= 200 && delay <= 400, "delay " + delay);
    }
  }

  @Test
  void backoffRejectsNonsense() {
    assertAll(
      () -> assertThrows(IllegalArgumentException.class,
        () -> new Backoff(Duration.ofMillis(-1), Duration.ofMillis(10), 0)),
      () -> assertThrows(IllegalArgumentException.class,
        () -> new Backoff(Duration.ofMillis(100), Duration.ofMillis(10), 0)),
      () -> assertThrows(IllegalArgumentException.class,
        () -> new Backoff(Duration.ofMillis(1), Duration.ofMillis(10), 1.5)),
      () -> assertThrows(IllegalArgumentException.class,
        () -> new Backoff(Duration.ofMillis(1), Duration.ofMillis(10), Double.NaN)),
      () -> assertThrows(IllegalArgumentException.class, () -> Backoff.DEFAULT.delay(0)));
  }

  @Test
  void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
    Instant now = Instant.parse("2025-01-01T00:00:00Z");
    assertAll(
      () -> assertEquals(Duration.ofSeconds(3), HttpErrorResponse.parseRetryAfter("3", now)),
      () -> assertEquals(Duration.ofSeconds(3), HttpErrorResponse.parseRetryAfter(" 3 ", now)),
      () -> assertEquals(Duration.ofSeconds(90),
        HttpErrorResponse.parseRetryAfter("Wed, 01 Jan 2025 00:01:30 GMT", now)),
      () -> assertEquals(Duration.ZERO, HttpErrorResponse.parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", now)),
      () -> assertNull(HttpErrorResponse.parseRetryAfter("soon", now)),
      () -> assertNull(HttpErrorResponse.parseRetryAfter("-1", now)),
      () -> assertNull(HttpErrorResponse.parseRetryAfter(null, now)));
  }

  @Test
  void anErrorBodyIsReadAsStreamcastJsonOrKeptAsText() {
    HttpErrorResponse json = HttpErrorResponse.of("http://n", 403,
      null, Buffer.buffer("{\"error\":\"forbidden\",\"message\":\"not on orders\"}"));
    assertEquals("forbidden", json.error());
    assertEquals("not on orders", json.message());
    assertTrue(json.isPermanent());
    HttpErrorResponse html = HttpErrorResponse.of("http://n", 502, "2", Buffer.buffer("<html>bad gateway</html>"));
    assertNull(html.error());
    assertEquals("<html>bad gateway</html>", html.body());
    assertEquals(Duration.ofSeconds(2), html.retryAfter());
    assertFalse(html.isPermanent());
    assertFalse(HttpErrorResponse.of("http://n", 429, null, Buffer.buffer()).isPermanent());
  }

  @Test
  void subscriberOptionsHaveBoundedDefaults() {
    SubscriberOptions options = SubscriberOptions.builder().nodes("http://127.0.0.1:8080/").stream("s").build();
    assertEquals(List.of("http://127.0.0.1:8080"), options.nodes(), "a trailing slash is dropped");
    assertEquals(StartPosition.latest(), options.startPosition());
    assertEquals(10, options.maxReconnectAttempts());
    assertEquals(Backoff.DEFAULT, options.backoff());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "a/b", "ü", "x?y"})
  void badStreamNamesAreRefused(String stream) {
    assertThrows(IllegalArgumentException.class,
      () -> SubscriberOptions.builder().nodes("http://h:1").stream(stream).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:8080", "ftp://h:1", "http://h:1/?a=b", "http:///x", "not a url"})
  void badNodeUrlsAreRefused(String url) {
    assertThrows(IllegalArgumentException.class,
      () -> PublisherOptions.builder().nodes(url).build());
  }

  @Test
  void otherBadOptionsAreRefused() {
    assertAll(
      () -> assertThrows(IllegalArgumentException.class,
        () -> SubscriberOptions.builder().stream("s").build(), "no node"),
      () -> assertThrows(NullPointerException.class,
        () -> SubscriberOptions.builder().nodes("http://h:1").build(), "no stream"),
      () -> assertThrows(IllegalArgumentException.class,
        () -> SubscriberOptions.builder().nodes("http://h:1").stream("s").maxReconnectAttempts(-1).build()),
      () -> assertThrows(IllegalArgumentException.class,
        () -> SubscriberOptions.builder().nodes("http://h:1").stream("s").idleTimeout(Duration.ZERO).build()),
      () -> assertThrows(IllegalArgumentException.class,
        () -> SubscriberOptions.builder().nodes("http://h:1").stream("s").maxReconnectTime(Duration.ofMillis(-1))
          .build()),
      () -> assertThrows(IllegalArgumentException.class,
        () -> PublisherOptions.builder().nodes("http://h:1").maxAttempts(0).build()),
      () -> assertThrows(IllegalArgumentException.class, () -> StartPosition.after("")),
      () -> assertThrows(IllegalArgumentException.class, () -> StartPosition.after("a\nb")));
  }
}
