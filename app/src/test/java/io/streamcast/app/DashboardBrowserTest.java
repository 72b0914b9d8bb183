package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
