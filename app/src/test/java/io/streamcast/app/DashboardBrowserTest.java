package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.producer.DemoTicker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's headless chromium): on a two-node cluster it shows
 * both nodes with figures that change, shows a stopped node as gone within seconds, and leaves
 * screenshots in {@code app/target/} for a person to look at; on a node with auth on it works with
 * a token for {@code _cluster.*}.
 */
class DashboardBrowserTest {


  private static TestCluster cluster;
  private static final List<MetricsEndpointTest.SseLines> subscribers = new ArrayList<>();

  @BeforeAll
  @Timeout(90)
  static void startCluster() throws Exception {
    Browsers.assumeInstalled();
    cluster = TestCluster.start(2);
    // some traffic, so the charts have more to show than the stats stream itself
    TestCluster.await(cluster.node(0).vertx().deployVerticle(new DemoTicker(cluster.node(0).publisher())));
    subscribers.add(MetricsEndpointTest.SseLines.open(cluster.edge(1) + "/streams/" + DemoTicker.TOKENS));
    subscribers.add(MetricsEndpointTest.SseLines.open(cluster.edge(1) + "/streams/" + DemoTicker.TICKS));
    subscribers.add(MetricsEndpointTest.SseLines.open(cluster.edge(0) + "/streams/" + DemoTicker.TOKENS
        + "?from=earliest"));
  }

  @AfterAll
  @Timeout(60)
  static void stopCluster() throws Exception {
    for (MetricsEndpointTest.SseLines s : subscribers) {
      s.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(90)
  void showsEveryNodeLiveAndANodeThatStopsAsGone() throws Exception {
    WebDriver browser = chromium();
    try {
      browser.get(cluster.edge(0) + "/dashboard");
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));

      wait.until(b -> state(b, "node-1").equals("up") && state(b, "node-2").equals("up"));
      long first1 = lastTime(browser, "node-1");
      long first2 = lastTime(browser, "node-2");
      String uptime1 = field(browser, "node-1", "uptime");
      wait.until(b -> lastTime(b, "node-1") > first1 && lastTime(b, "node-2") > first2);
      wait.until(b -> !field(b, "node-1", "uptime").equals(uptime1));
      // node 2 serves three demo subscribers: its delivery rate shows
      wait.until(b -> !field(b, "node-2", "eventsOutPerSec").matches("0|\u2013"));
      assertNotEquals("\u2013", field(browser, "node-1", "eventsInPerSec"));
      assertEquals("live", browser.findElement(By.id("feed")).getText());

      // a few seconds of charts, then a picture
      Thread.sleep(6000);
      screenshot(browser, "dashboard.png");

      cluster.stop(1);
      new WebDriverWait(browser, Duration.ofSeconds(10)).until(b -> state(b, "node-2").equals("gone"));
      assertEquals("up", state(browser, "node-1"));
      assertEquals("1", browser.findElement(By.id("total-nodes")).getText());
      screenshot(browser, "dashboard-node-gone.png");
    } catch (Throwable t) {
      // leave what the browser showed, for whoever reads the failure
      screenshot(browser, "dashboard-failure.png");
      System.err.println("dashboard at failure:\n" + browser.getPageSource());
      throw t;
    } finally {
      browser.quit();
    }
  }

  /**
   * As a user who opens the page on a quiet cluster sees it: figures at once (the first node card, not a
   * waiting line), and no traffic, because the page's own subscription (its replay of minutes of {@code
   * _cluster.stats} included) is counted apart as a dashboard stream; and no two axis labels of a chart
   * touch, wide or narrow.
   */
  @Test
  @Timeout(120)
  void showsFiguresAtOnceAndItsOwnReplayIsNotTraffic() throws Exception {
    try (TestCluster quiet = TestCluster.start(1)) {
      // some seconds of stats in history: the page replays them all when it opens
      Thread.sleep(6000);
      WebDriver browser = chromium();
      try {
        long start = System.nanoTime();
        browser.get(quiet.edge(0) + "/dashboard");
        new WebDriverWait(browser, Duration.ofSeconds(5), Duration.ofMillis(50))
            .until(b -> !field(b, "node-1", "connections").isEmpty());
        long shownMillis = (System.nanoTime() - start) / 1_000_000;
        assertFalse(browser.findElement(By.id("no-nodes")).isDisplayed(), "no waiting line once figures show");
        assertTrue(shownMillis < 5000, "figures within " + shownMillis + " ms of opening");

        // the samples after the page connected: the one that covers its replay, and the next ones
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(b -> field(b, "node-1", "systemConnections").equals("1"));
        List<String> seen = new ArrayList<>();
        long last = 0;
        long until = System.currentTimeMillis() + 4000;
        while (System.currentTimeMillis() < until) {
          long time = lastTime(browser, "node-1");
          if (time != last) {
            last = time;
            seen.add(field(browser, "node-1", "connections") + " conn, " + field(browser, "node-1", "eventsOutPerSec")
                + " ev/s, " + field(browser, "node-1", "bytesOutPerSec") + " | totals "
                + browser.findElement(By.id("total-connections")).getText() + " conn, "
                + browser.findElement(By.id("total-out")).getText() + " ev/s, "
                + browser.findElement(By.id("total-bytes")).getText());
          }
          Thread.sleep(100);
        }
        assertTrue(seen.size() >= 3, "a sample a second: " + seen);
        for (String sample : seen) {
          assertEquals("0 conn, 0 ev/s, 0 B | totals 0 conn, 0 ev/s, 0 B", sample, "all samples: " + seen);
        }
        assertLabelsApart(browser);
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(560, 1000));
        Thread.sleep(1200);
        assertLabelsApart(browser);
        screenshot(browser, "dashboard-narrow.png");
      } catch (Throwable t) {
        screenshot(browser, "dashboard-quiet-failure.png");
        throw t;
      } finally {
        browser.quit();
      }
    }
  }

  /** Every chart drew axis labels, and no two of one chart's label boxes share a pixel. */
  private static void assertLabelsApart(WebDriver browser) {
    List<WebElement> charts = browser.findElements(By.cssSelector("canvas[data-chart]"));
    assertEquals(6, charts.size());
    for (WebElement chart : charts) {
      String json = chart.getDomAttribute("data-label-boxes");
      JsonArray boxes = new JsonArray(json == null ? "[]" : json);
      assertTrue(boxes.size() >= 3, chart.getDomAttribute("data-chart") + " labels: " + json);
      for (int i = 0; i < boxes.size(); i++) {
        for (int j = i + 1; j < boxes.size(); j++) {
          JsonArray a = boxes.getJsonArray(i);
          JsonArray b = boxes.getJsonArray(j);
          boolean apart = a.getDouble(2) <= b.getDouble(0) || b.getDouble(2) <= a.getDouble(0)
              || a.getDouble(3) <= b.getDouble(1) || b.getDouble(3) <= a.getDouble(1);
          assertTrue(apart, chart.getDomAttribute("data-chart") + ": labels " + a + " and " + b + " overlap");
        }
      }
    }
  }

  /**
   * With auth on, the page is opened with a token that names the system streams explicitly
   * ({@code _cluster.*}, as a bare {@code *} no longer grants them) and works; the token is not on
   * the page.
   */
  @Test
  @Timeout(90)
  void worksWithAuthOnAndATokenForClusterStreams() throws Exception {
    String secret = "dashboard-test-secret-0123456789abcdef";
    try (TestCluster secured = TestCluster.start(1, Map.of(NodeFlag.JWT_SECRET, secret))) {
      String token = Tokens.hs256(secured.node(0).vertx(), secret).generateToken(
          new JsonObject().put("sub", "operator")
              .put("sub_streams", new JsonArray().add("_cluster.*")),
          new JWTOptions().setExpiresInSeconds(300));
      WebDriver browser = chromium();
      try {
        browser.get(secured.edge(0) + "/dashboard?access_token=" + token);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(b -> state(b, "node-1").equals("up"));
        long first = lastTime(browser, "node-1");
        wait.until(b -> lastTime(b, "node-1") > first);
        assertEquals("live", browser.findElement(By.id("feed")).getText());
        String text = browser.findElement(By.tagName("body")).getText();
        assertFalse(text.contains(token) || text.contains(secret), "neither token nor secret is shown on the page");
        screenshot(browser, "dashboard-auth.png");
      } catch (Throwable t) {
        screenshot(browser, "dashboard-auth-failure.png");
        System.err.println("dashboard at failure:\n" + browser.getPageSource());
        throw t;
      } finally {
        browser.quit();
      }
    }
  }

  private static WebDriver chromium() throws Exception {
    return Browsers.chromium(1440, 1080);
  }

  private static WebElement card(WebDriver b, String node) {
    List<WebElement> cards = b.findElements(By.cssSelector("article.node[data-node='" + node + "']"));
    return cards.isEmpty() ? null : cards.get(0);
  }

  private static String state(WebDriver b, String node) {
    WebElement c = card(b, node);
    return c == null ? "absent" : c.getDomAttribute("data-state");
  }

  private static long lastTime(WebDriver b, String node) {
    WebElement c = card(b, node);
    return c == null ? 0 : Long.parseLong(c.getDomAttribute("data-last-time"));
  }

  private static String field(WebDriver b, String node, String name) {
    WebElement c = card(b, node);
    return c == null ? "" : c.findElement(By.cssSelector("[data-field='" + name + "']")).getText();
  }

  private static void screenshot(WebDriver browser, String name) throws Exception {
    byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
    File target = new File("target");
    Files.createDirectories(target.toPath());
    Files.write(target.toPath().resolve(name), png);
  }
}
