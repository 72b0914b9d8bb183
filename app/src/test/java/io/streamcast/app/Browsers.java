package io.streamcast.app;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless chromium through its chromedriver, set up as {@link DashboardBrowserTest} does: a
 * fresh profile per browser, no background traffic, the driver's log discarded.
 */
final class Browsers {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private Browsers() {
  }

  /** Skips the calling test class when chromium or its driver is missing (see .ci/run). */
  static void assumeInstalled() {
    Assumptions.assumeTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
        "browser test skipped: needs Debian's chromium and chromium-driver "
            + "(/usr/bin/chromium, /usr/bin/chromedriver): apt-get install -y chromium chromium-driver");
  }

  /**
   * @param extraArguments more chromium switches, such as {@code --ignore-certificate-errors}
   * @return a new headless browser, 1280 x 900; the caller quits it
   */
  static ChromeDriver chromium(String... extraArguments) throws Exception {
    return chromium(1280, 900, extraArguments);
  }

  /**
   * @param width window width in pixels (the dashboard's screenshots want a wider one)
   * @param height window height in pixels
   * @param extraArguments more chromium switches
   * @return a new headless browser; the caller quits it
   */
  static ChromeDriver chromium(int width, int height, String... extraArguments) throws Exception {
    Path profile = Files.createTempDirectory("streamcast-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--window-size=" + width + "," + height, "--user-data-dir=" + profile);
    options.addArguments(extraArguments);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogOutput(java.io.OutputStream.nullOutputStream())
        .build();
    return new ChromeDriver(service, options);
  }
}
