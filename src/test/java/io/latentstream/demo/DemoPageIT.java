package io.latentstream.demo;

import io.latentstream.config.ConfigLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo page in a real browser (Debian's headless Chromium driven through chromedriver): during a
 * short demo run the chart gets points, an injected anomaly shows up in the table, the retrain button
 * goes through POST /retrain and the control topic and a new decision appears, and a screenshot is
 * saved to target/demo-page.png. Skipped where Chromium is not installed, except under CI (.ci/run
 * installs it), where its absence fails the test.
 */
@Tag("serial") // timing or CPU share matters: failsafe runs it alone (pom.xml)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DemoPageIT {
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    @TempDir
    Path browserProfile;

    @Test
    void pageShowsScoresAnomaliesAndARetrainDecision() throws Exception {
        boolean present = CHROMIUM.canExecute() && CHROMEDRIVER.canExecute();
        if (System.getenv("CI") != null) {
            assertTrue(present, "CI must have Debian's chromium and chromium-driver (.ci/run installs them)");
        }
        Assumptions.assumeTrue(present, "chromium / chromedriver not installed");

        StringBuffer log = new StringBuffer();
        PrintWriter out = new PrintWriter(new Writer() {
            @Override
            public void write(char[] cbuf, int off, int len) {
                log.append(cbuf, off, len);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        }, true);
        // A lenient gate (as `--set retrain.gate.tolerance=10` would give) so the retrain clicked below
        // publishes a challenger and the rollback button has a version to go back to.
        DemoRunner demo = new DemoRunner(ConfigLoader.load(null, java.util.Map.of(),
                java.util.Map.of("retrain.gate.tolerance", "10", "retrain.gate.anomaly.rate.tolerance", "1")),
                new DemoRunner.Options(Duration.ofSeconds(150), 200, 4, 7, false, null), out);
        AtomicInteger exit = new AtomicInteger(-1);
        Thread runner = new Thread(() -> {
            try {
                exit.set(demo.run());
            } catch (Exception e) {
                log.append("demo failed: ").append(e);
            }
        }, "demo-under-test");
        runner.start();
        WebDriver browser = null;
        try {
            String url = waitForUrl(log);
            browser = chromium();
            browser.get(url);
            // The page re-renders its lists every second: an element found a moment ago can be gone,
            // so waits ignore stale references and read what they need inside the condition.
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(250));
            wait.ignoring(StaleElementReferenceException.class);

            // The chart has points (mean score per entity per second), then an injected anomaly is listed.
            wait.until(d -> Integer.parseInt(d.findElement(By.id("chart")).getDomAttribute("data-points")) > 20);
            assertTrue(browser.findElements(By.cssSelector("#chart canvas")).size() > 0, "uPlot drew a canvas");
            String caught = wait.until(d -> d.findElements(By.cssSelector("#anomalies tbody tr")).stream()
                    .filter(tr -> List.of("spike", "stuck", "drift", "level_shift").contains(tr.getDomAttribute("data-injected")))
                    .map(WebElement::getText).findFirst().orElse(null));
            System.out.println("demo page: first injected anomaly listed: " + caught);

            // Enough samples in the retrainer's window for a real run (200 records/s, 20% sampled, 300 needed).
            wait.until(d -> {
                String digits = d.findElement(By.id("scored")).getText().replaceAll("[^0-9]", "");
                return !digits.isEmpty() && Long.parseLong(digits) > 3000;
            });

            // Retrain through the page: POST /retrain -> control topic -> leading retrainer -> decision on
            // the models topic -> the page's event list.
            int decisionsBefore = browser.findElements(By.cssSelector("#events li[data-kind=decision]")).size();
            browser.findElement(By.id("retrain")).click();
            wait.until(d -> d.findElement(By.id("message")).getText().contains("202"));
            String[] decision = new WebDriverWait(browser, Duration.ofSeconds(90), Duration.ofMillis(250))
                    .ignoring(StaleElementReferenceException.class).until(d -> {
                        List<WebElement> items = d.findElements(By.cssSelector("#events li[data-kind=decision]"));
                        return items.size() > decisionsBefore ? new String[] {items.get(0).getText(), items.get(0).getDomAttribute("data-outcome")}
                                : null;
                    });
            System.out.println("demo page: decision after clicking retrain: " + decision[0]);
            assertTrue(decision[0].contains("control:retrain"), decision[0]);
            assertEquals("published", decision[1], decision[0]);
            {
                // Roll back through the page: POST /rollback -> control topic -> activation record -> processor.
                WebElement rollback = wait.until(d -> {
                    WebElement b = d.findElement(By.id("rollback"));
                    return b.isEnabled() ? b : null;
                });
                rollback.click();
                wait.until(d -> d.findElements(By.cssSelector("#events li[data-kind=activation]")).stream()
                        .anyMatch(li -> li.getText().contains("rollback")));
                wait.until(d -> d.findElement(By.id("active_version")).getText().equals("v1"));
                System.out.println("demo page: rolled back to v1 through the page");
            }

            Object errors = ((JavascriptExecutor) browser).executeScript("return window.__errors.join('; ')");
            assertEquals("", errors, "no script errors on the page");
            Path shot = Path.of("target", "demo-page.png");
            Files.createDirectories(shot.getParent());
            Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
            System.out.println("demo page: screenshot " + shot.toAbsolutePath());
        } finally {
            if (browser != null) {
                browser.quit();
            }
            demo.stop();
            runner.join(TimeUnit.SECONDS.toMillis(90));
        }
        assertEquals(0, exit.get(), log.toString());
    }

    private WebDriver chromium() {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        // The machine's network is closed: no background connections, no component updates, no sync.
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1100", "--user-data-dir=" + browserProfile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER).usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    private static String waitForUrl(StringBuffer log) throws InterruptedException {
        Pattern p = Pattern.compile("live page: (http://127\\.0\\.0\\.1:\\d+/#token=[0-9a-f]+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(log);
            if (m.find()) {
                return m.group(1);
            }
            if (log.indexOf("demo failed") >= 0) {
                break;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the demo printed no page address:\n" + log);
    }
}
