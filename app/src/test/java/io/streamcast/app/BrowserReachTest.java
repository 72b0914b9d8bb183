package io.streamcast.app;

import static io.streamcast.app.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.auth.JWTOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Browsers reaching the edge as issue 13 asks, in Debian's headless chromium: a page of another origin
 * subscribes with {@code EventSource}, with credentials (the {@code streamcast_token} cookie) and
 * without (the {@code access_token} query), and reads NDJSON with {@code fetch} and an {@code
 * Authorization} header (a preflight), when its origin is listed in {@code --cors-origins}; a page of
 * an origin not listed gets nothing. Over HTTPS (a self-signed certificate made here) one page holds
 * 10 {@code EventSource}s to one node, more than the 6 HTTP/1.1 connections a browser opens per
 * origin, and all 10 receive their events over HTTP/2; the dashboard works there too.
 */
class BrowserReachTest {

  private static final String SECRET = "browser-reach-test-secret-0123456789";
  /** Injected into a page: EventSources and fetches whose state the test reads back. */
  private static final String HARNESS = """
      window.sources = window.sources || {};
      window.listen = function (name, url, withCredentials) {
        const s = {events: [], errors: 0, opened: false};
        s.es = withCredentials ? new EventSource(url, {withCredentials: true}) : new EventSource(url);
        s.es.onopen = () => { s.opened = true; };
        s.es.onmessage = e => s.events.push(e.data);
        s.es.onerror = () => { s.errors++; };
        window.sources[name] = s;
      };
      window.sourceState = function (name) {
        const s = window.sources[name];
        return {opened: s.opened, events: s.events.slice(), errors: s.errors, readyState: s.es.readyState};
      };
      window.firstNdjsonLine = async function (url, token) {
        try {
          const r = await fetch(url, {headers: {'Accept': 'application/x-ndjson', 'Authorization': 'Bearer ' + token}});
          if (r.status !== 200) { return 'status ' + r.status; }
          const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffered = '';
          for (;;) {
            const {value, done} = await reader.read();
            if (done) { return 'ended'; }
            buffered += value;
            const nl = buffered.indexOf('\\n');
            if (nl >= 0 && buffered.slice(0, nl).trim() !== '') { reader.cancel(); return buffered.slice(0, nl); }
            if (nl >= 0) { buffered = buffered.slice(nl + 1); }
          }
        } catch (e) {
          return 'error ' + e.name;
        }
      };
      """;

  private static Vertx vertx;
  private static HttpClient client;
  private static TestCluster cors;
  private static TestCluster https;
  private static String listedPage;
  private static String unlistedPage;
  private static String token;
  private static String publisherToken;

  @BeforeAll
  @Timeout(120)
  static void start() throws Exception {
    Browsers.assumeInstalled();
    vertx = Vertx.vertx();
    client = LoopHttpClient.create(vertx);
    listedPage = page(vertx);
    unlistedPage = page(vertx);
    cors = TestCluster.start(1, Map.of(NodeFlag.JWT_SECRET, SECRET, NodeFlag.CORS_ORIGINS, listedPage));
    token = Tokens.hs256(cors.node(0).vertx(), SECRET).generateToken(
        new JsonObject().put("sub", "page").put("sub_streams", new JsonArray().add("x.*")),
        new JWTOptions().setExpiresInSeconds(600));
    publisherToken = Tokens.hs256(cors.node(0).vertx(), SECRET).generateToken(
        new JsonObject().put("sub", "producer").put("pub_streams", new JsonArray().add("x.*")),
        new JWTOptions().setExpiresInSeconds(600));
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    https = TestCluster.start(1, Map.of(NodeFlag.TLS_CERT, cert.certificatePath(),
        NodeFlag.TLS_KEY, cert.privateKeyPath()));
  }

  @AfterAll
  @Timeout(60)
  static void stop() {
    for (TestCluster c : new TestCluster[] {cors, https}) {
      if (c != null) {
        c.close();
      }
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  /** Publishes on the node with auth on, with a publisher's token. */
  private static io.vertx.core.Future<Publishing.Answer> publish(String stream, String data) {
    return Publishing.post(client, cors.publish(0) + "/streams/" + stream, io.vertx.core.buffer.Buffer.buffer(data),
        Tokens.bearer(publisherToken));
  }

  /** Serves an empty page on a port of its own: an origin of its own. @return its origin */
  private static String page(Vertx vertx) {
    HttpServer server = await(vertx.createHttpServer()
        .requestHandler(req -> req.response().putHeader("Content-Type", "text/html; charset=utf-8")
            .end("<!doctype html><html><head><title>other origin</title></head><body>a page</body></html>"))
        .listen(0, "127.0.0.1"));
    return "http://127.0.0.1:" + server.actualPort();
  }

  @Test
  @Timeout(120)
  void aListedOriginSubscribesWithAndWithoutCredentials() throws Exception {
    ChromeDriver browser = Browsers.chromium();
    try {
      String edge = cors.edge(0);
      // the token as a cookie of the edge's host (cookies do not tell ports apart: the page's host too)
      browser.get(edge + "/health");
      browser.manage().addCookie(new Cookie("streamcast_token", token, "/"));
      browser.get(listedPage + "/");
      browser.executeScript(HARNESS);
      browser.executeScript("listen('cookie', arguments[0], true)", edge + "/streams/x.cookie");
      browser.executeScript("listen('query', arguments[0], false)", edge + "/streams/x.query?access_token=" + token);
      // without credentials the cookie stays home: 401, and EventSource gives up
      browser.executeScript("listen('bare', arguments[0], false)", edge + "/streams/x.bare");
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
      wait.until(b -> opened(browser, "cookie") && opened(browser, "query") && closed(browser, "bare"));

      for (int i = 0; i < 3; i++) {
        assertEquals(201, await(publish("x.cookie", "c" + i)).status());
        assertEquals(201, await(publish("x.query", "q" + i)).status());
      }
      wait.until(b -> events(browser, "cookie").size() == 3 && events(browser, "query").size() == 3);
      assertEquals(List.of("c0", "c1", "c2"), events(browser, "cookie"));
      assertEquals(List.of("q0", "q1", "q2"), events(browser, "query"));
      assertTrue(events(browser, "bare").isEmpty());

      // fetch with an Authorization header: the browser sends a preflight first
      Object line = browser.executeAsyncScript("firstNdjsonLine(arguments[0], arguments[1]).then(arguments[2])",
          edge + "/streams/x.query?from=earliest", token);
      assertEquals("q0", new JsonObject(String.valueOf(line)).getString("data"), String.valueOf(line));
    } catch (Throwable t) {
      screenshot(browser, "browser-reach-failure.png");
      throw t;
    } finally {
      browser.quit();
    }
  }

  @Test
  @Timeout(120)
  void anUnlistedOriginIsRefused() throws Exception {
    ChromeDriver browser = Browsers.chromium();
    try {
      String edge = cors.edge(0);
      browser.get(edge + "/health");
      browser.manage().addCookie(new Cookie("streamcast_token", token, "/"));
      browser.get(unlistedPage + "/");
      browser.executeScript(HARNESS);
      browser.executeScript("listen('cookie', arguments[0], true)", edge + "/streams/x.other");
      browser.executeScript("listen('query', arguments[0], false)", edge + "/streams/x.other?access_token=" + token);
      new WebDriverWait(browser, Duration.ofSeconds(30))
          .until(b -> closed(browser, "cookie") && closed(browser, "query"));
      assertEquals(201, await(publish("x.other", "not for that page")).status());
      Object line = browser.executeAsyncScript("firstNdjsonLine(arguments[0], arguments[1]).then(arguments[2])",
          edge + "/streams/x.other?from=earliest", token);
      assertEquals("error TypeError", line, "fetch from an origin not listed fails");
      assertTrue(events(browser, "cookie").isEmpty() && events(browser, "query").isEmpty());
      assertTrue(!opened(browser, "cookie") && !opened(browser, "query"));
    } finally {
      browser.quit();
    }
  }

  @Test
  @Timeout(120)
  void tenEventSourcesOnOneNodeOverHttp2() throws Exception {
    ChromeDriver browser = Browsers.chromium("--ignore-certificate-errors");
    try {
      String edge = "https://127.0.0.1:" + https.node(0).httpPort();
      browser.get(edge + "/health");
      assertEquals("h2", browser.executeScript(
          "return performance.getEntriesByType('navigation')[0].nextHopProtocol"));
      browser.executeScript(HARNESS);
      for (int i = 0; i < 10; i++) {
        browser.executeScript("listen(arguments[0], arguments[1], false)", "s" + i, edge + "/streams/h2.s" + i);
      }
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
      // over HTTP/1.1 the seventh would wait for a free connection (6 per origin) and never open
      wait.until(b -> {
        for (int i = 0; i < 10; i++) {
          if (!opened(browser, "s" + i)) {
            return false;
          }
        }
        return true;
      });
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 10; i++) {
          assertEquals(201, await(Publishing.publish(client, https.publish(0), "h2.s" + i, "e" + round + "-" + i))
              .status());
        }
      }
      wait.until(b -> {
        for (int i = 0; i < 10; i++) {
          if (events(browser, "s" + i).size() < 2) {
            return false;
          }
        }
        return true;
      });
      for (int i = 0; i < 10; i++) {
        assertEquals(List.of("e0-" + i, "e1-" + i), events(browser, "s" + i));
      }
      assertEquals(10, https.node(0).connections());

      // the dashboard's own EventSource over HTTP/2
      browser.get(edge + "/dashboard");
      wait.until(b -> "live".equals(b.findElement(By.id("feed")).getText()));
    } catch (Throwable t) {
      screenshot(browser, "browser-reach-h2-failure.png");
      throw t;
    } finally {
      browser.quit();
    }
  }

  private static boolean opened(ChromeDriver b, String name) {
    return Boolean.TRUE.equals(state(b, name).get("opened"));
  }

  /** @return whether EventSource gave up (readyState CLOSED): a refused or failed connection */
  private static boolean closed(ChromeDriver b, String name) {
    return ((Number) state(b, name).get("readyState")).intValue() == 2;
  }

  @SuppressWarnings("unchecked")
  private static List<String> events(ChromeDriver b, String name) {
    return new ArrayList<>((List<String>) state(b, name).get("events"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> state(ChromeDriver b, String name) {
    return (Map<String, Object>) b.executeScript("return sourceState(arguments[0])", name);
  }

  private static void screenshot(ChromeDriver browser, String name) throws Exception {
    Path target = Path.of("target");
    Files.createDirectories(target);
    Files.write(target.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
  }
}
