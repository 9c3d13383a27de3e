package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console page in a real browser: headless Chromium logs in to the Web Console of the exported server, creates a
 * pipeline with the Configuration Manager's "Hourglass pipeline" form, trains it from the Hourglass page and watches
 * the progress, the loss curve and then the score histogram (as densities), the ROC curve and the baselines' rows
 * appear. Screenshots go to
 * {@code integration-tests/target/screenshots/}.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver} (.ci/run installs them); without them the test fails.
 * The driver is given by path, so Selenium Manager never runs and nothing is downloaded.
 */
class ConsoleBrowserIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** integration-tests/target/screenshots/ in the build (see runtime/pom.xml), where the project keeps them. */
    private static final Path SCREENSHOTS = Path.of(System.getProperty("hourglass.screenshots",
            Path.of(System.getProperty("basedir", ".")).resolve("target/screenshots").toString()));
    private static final String PIPELINE = "console-sneakers";

    @TempDir
    Path home;

    @TempDir
    Path browserProfile;

    @Test
    void createTrainAndWatchAPipelineInTheBrowser() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the browser test needs Chromium and its driver: apt-get install chromium chromium-driver");
        assertTrue(Files.isRegularFile(DeployFiles.FASHION_MNIST.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist");
        Files.createDirectories(SCREENSHOTS);
        deployDataSources();

        String password = UUID.randomUUID().toString();
        try (RunningServer server = RunningServer.start(SCRIPT, home, password)) {
            server.await("the console to answer", Duration.ofSeconds(90),
                    () -> server.status("/system/console/hourglass", false) == 401);
            server.await("both data sources in the plug-in inventory", Duration.ofSeconds(30),
                    () -> server.get("/system/console/hourglass", true).body().contains("<td>console-test</td>"));

            WebDriver browser = chromium();
            try {
                String base = "http://127.0.0.1:" + server.port();
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));

                // Log in: the credentials in the first URL answer the console's Basic challenge; Chromium keeps them
                // for the rest of the session, so every later URL is plain.
                browser.get("http://" + RunningServer.USER + ":" + password + "@127.0.0.1:" + server.port()
                        + "/system/console/hourglass");
                browser.get(base + "/system/console/hourglass");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("hg-overview")));
                assertTrue(kindRows(browser, "data").containsAll(List.of("console-test", "console-train")),
                        "data sources listed under their kind");
                assertTrue(kindRows(browser, "family").contains("dense"), "the dense family listed");
                screenshot(browser, "1-overview");

                // Create the pipeline in the Configuration Manager's Metatype form.
                browser.findElement(By.id("hg-new-pipeline")).click();
                WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(
                        By.xpath("//div[contains(@class,'ui-dialog')][.//*[contains(@class,'ui-dialog-title')]"
                                + "[contains(.,'Hourglass pipeline')]]")));
                type(dialog, "hourglass.name", PIPELINE);
                type(dialog, "training.data", "console-train");
                type(dialog, "evaluation.data", "console-test");
                // an optional attribute is saved only with its "set" box ticked, where the form has one
                dialog.findElements(By.name("optevaluation.data")).forEach(box -> setChecked(box, true));
                // "Input shape" stays empty: the shape comes from the training data
                dialog.findElements(By.name("input.shape")).forEach(field -> assertEquals("", field.getAttribute("value")));
                type(dialog, "latent.size", "16");
                type(dialog, "epochs", "30");
                type(dialog, "batch.size", "16");
                setChecked(dialog.findElement(By.cssSelector("input[type=checkbox][name='auto.train']")), false);
                screenshot(browser, "2-configuration-form");
                dialog.findElement(By.xpath(".//div[contains(@class,'ui-dialog-buttonpane')]//button[normalize-space()"
                        + "='Save']")).click();
                // Saved, the console comes back to the Hourglass page, which lists the pipeline: READY, not
                // training (auto.train is off).
                wait.until(ExpectedConditions.urlToBe(base + "/system/console/hourglass"));
                WebElement row = until(server, browser, "the new pipeline listed as READY", 30, d -> {
                    d.navigate().refresh();
                    List<WebElement> rows = d.findElements(By.cssSelector("tr.hg-pipeline[data-name='" + PIPELINE
                            + "']"));
                    return !rows.isEmpty() && rows.get(0).getText().contains("READY") ? rows.get(0) : null;
                });
                row.findElement(By.cssSelector("a.hg-pipeline-link")).click();
                wait.until(ExpectedConditions.textToBe(By.id("hg-state"), "READY"));
                assertEquals("not trained yet", browser.findElement(By.id("hg-message")).getText());

                // Train: the page polls its JSON status and draws the loss curve as epochs finish.
                browser.findElement(By.id("hg-train")).click();
                wait.until(ExpectedConditions.textToBe(By.id("hg-state"), "TRAINING"));
                assertTrue(browser.findElement(By.id("hg-note")).getText().contains("Training of '" + PIPELINE
                        + "' started"));
                assertFalse(browser.findElement(By.id("hg-train")).isEnabled(), "no second start from the page");

                // A second start (another tab, a script) is refused with a message, not a stack trace.
                HttpResponse<String> again = server.postForm("/system/console/hourglass/" + PIPELINE, "action=train");
                assertEquals(303, again.statusCode());
                browser.get(base + again.headers().firstValue("Location").orElseThrow());
                assertTrue(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("hg-note"))).getText()
                        .contains("is already training"));

                WebDriverWait training = new WebDriverWait(browser, Duration.ofSeconds(60));
                training.until(d -> d.findElements(By.cssSelector("#hg-loss-curve-box polyline.hg-training"))
                        .size() == 1 && epochsDone(d) >= 3 || !"TRAINING".equals(state(d)));
                assertEquals("TRAINING", state(browser), "still training after three epochs (slow enough to watch)");
                String epoch = browser.findElement(By.id("hg-epoch")).getText();
                assertTrue(epoch.matches("\\d+ / 30"), epoch);
                assertTrue(browser.findElement(By.id("hg-rate")).getText().matches("\\d+"), "samples/s shown");
                assertFalse(browser.findElements(By.cssSelector("#hg-loss-curve-box polyline.hg-validation"))
                        .isEmpty(), "validation loss drawn");
                screenshot(browser, "3-training");

                // Finished: the page reloads itself and shows the histogram with the threshold and AUROC.
                // The rest of the 30 epochs (batches of 16 of 2,700 samples: 5,070 steps) and the
                // evaluation with its baselines: minutes on two busy cores, so a longer wait than for 3 epochs.
                new WebDriverWait(browser, Duration.ofSeconds(240)).until(d -> "TRAINED".equals(state(d)));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("svg.hg-histogram")));
                WebElement histogram = browser.findElement(By.cssSelector("svg.hg-histogram"));
                assertFalse(histogram.findElements(By.cssSelector("rect.hg-normal")).isEmpty(), "normal bars");
                assertFalse(histogram.findElements(By.cssSelector("rect.hg-anomalous")).isEmpty(), "anomalous bars");
                assertEquals(1, histogram.findElements(By.cssSelector("line.hg-threshold")).size(), "threshold line");
                assertTrue(histogram.getText().contains("AUROC"), histogram.getText());
                assertTrue(browser.findElement(By.id("hg-metrics")).getText().contains("AUROC"));
                // Densities: each class's bars are scaled to their own area (the axis says so).
                assertTrue(histogram.getText().contains("density"), histogram.getText());
                // The baselines beside the model's figures, and the ROC curve read off the histogram.
                for (String metric : List.of("baseline_knn_auroc", "baseline_iforest_auroc")) {
                    WebElement baseline = browser.findElement(By.id("hg-metric-" + metric));
                    double auroc = Double.parseDouble(baseline.findElement(By.tagName("td")).getText());
                    assertTrue(auroc > 0.5 && auroc <= 1, baseline.getText());
                }
                assertTrue(browser.findElement(By.id("hg-metric-baseline_knn_auroc")).getText()
                        .startsWith("AUROC of the k-NN baseline"));
                WebElement roc = browser.findElement(By.cssSelector("#hg-roc-box svg.hg-roc"));
                assertEquals(1, roc.findElements(By.cssSelector("polyline.hg-roc-curve")).size(), "the ROC curve");
                assertEquals(1, roc.findElements(By.cssSelector("line.hg-chance")).size(), "the chance diagonal");
                assertTrue(roc.getText().contains("histogram bins") && roc.getText().contains("AUROC of the scores"),
                        roc.getText());
                assertEquals("30 / 30", browser.findElement(By.id("hg-epoch")).getText());
                screenshot(browser, "4-trained");

                browser.get(base + "/system/console/hourglass");
                WebElement trained = browser.findElement(By.cssSelector("tr.hg-pipeline[data-name='" + PIPELINE
                        + "']"));
                assertTrue(trained.getText().contains("TRAINED"), trained.getText());
                screenshot(browser, "5-overview-trained");
            } finally {
                browser.quit();
            }
        }
    }

    private void deployDataSources() throws Exception {
        // Sneakers (class 7) are the normal data; the labelled test slice has every class.
        DeployFiles.fashionTraining(home, "console-train", 7, 3000);
        DeployFiles.fashionTest(home, "console-test", 7, 2000);
    }

    private WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + browserProfile, "--window-size=1280,1500");
        // An explicit driver executable: Selenium Manager is not consulted (it would try to download drivers).
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /** Waits for a condition; on timeout fails with the page's text and the server log's tail. */
    private static <T> T until(RunningServer server, WebDriver browser, String what, int seconds,
                               java.util.function.Function<WebDriver, T> condition) throws Exception {
        try {
            return new WebDriverWait(browser, Duration.ofSeconds(seconds)).until(condition::apply);
        } catch (org.openqa.selenium.TimeoutException e) {
            String page = browser.findElements(By.tagName("body")).stream().map(WebElement::getText).findFirst()
                    .orElse("");
            throw new AssertionError("timed out after " + seconds + " s waiting for " + what + " at "
                    + browser.getCurrentUrl() + "\n--- page ---\n" + page + "\n" + server.logTail(), e);
        }
    }

    private static void type(WebElement form, String name, String value) {
        WebElement field = form.findElement(By.name(name));
        field.clear();
        field.sendKeys(value);
    }

    private static void setChecked(WebElement checkbox, boolean checked) {
        if (checkbox.isSelected() != checked) {
            checkbox.click();
        }
    }

    private static List<String> kindRows(WebDriver browser, String kind) {
        return browser.findElements(By.cssSelector("tr.hg-plugin[data-kind='" + kind + "'] td:first-child")).stream()
                .map(WebElement::getText).toList();
    }

    private static String state(WebDriver d) {
        List<WebElement> state = d.findElements(By.id("hg-state"));
        return state.isEmpty() ? "" : state.get(0).getText();
    }

    /** Training loss points drawn in the loss curve. */
    private static int epochsDone(WebDriver d) {
        Object n = ((JavascriptExecutor) d).executeScript(
                "var l = document.querySelector('#hg-loss-curve-box polyline.hg-training');"
                        + " return l ? l.points.numberOfItems : 0;");
        return ((Number) n).intValue();
    }

    private static void screenshot(WebDriver browser, String name) throws Exception {
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    }
}
