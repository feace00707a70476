package io.tocsin.standalone.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.auth.PasswordHash;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.Platform;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Wait;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The station console in a real headless Chromium against the whole platform (Kafka, the alarm job on Flink,
 * ingest, the console server): a reading over the threshold, published over MQTT, appears as a red alarm without
 * reloading; acknowledging it shows the state the alarm job sends back; a station covering other sites does not
 * see it; the page shows a lost connection loudly and re-syncs when the server is back.
 */
class StationConsoleBrowserTest {

    private static final String PASSWORD = "test-password";
    private static final String SITE = "chem-park-3";
    private static final String RED_ALARM = SITE + "/gas-07/gas-high-2/1";
    private static final String ORANGE_ALARM = SITE + "/gas-07/gas-high-1/1";
    private static final Duration THROUGH_THE_PLATFORM = Duration.ofSeconds(90);

    @TempDir
    static Path dataDir;
    @TempDir
    static Path profiles;

    private static Platform platform;
    private static MqttAsyncClient gateway;
    private static ChromeDriver browser;
    private static long sequence;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(HeadlessChromium.installed(), "Browser tests skipped: /usr/bin/chromedriver and /usr/bin/chromium "
                + "are missing (apt-get install chromium chromium-driver; .ci/run installs them)");
        PasswordHash hash = PasswordHash.create(PASSWORD.toCharArray(), PasswordHash.MIN_ITERATIONS);
        CredentialRegistry stations = CredentialRegistry.of(Map.of(
                "station-07", new CredentialRegistry.Entry(Identity.station("station-07", Set.of(SITE)), hash),
                "station-09", new CredentialRegistry.Entry(Identity.station("station-09", Set.of("enterprise-017")),
                        hash)));
        platform = Platform.start(Platform.Settings.defaults(dataDir).withPorts(Platform.Ports.ephemeral())
                .withConsoleCredentials(stations));
        gateway = new MqttAsyncClient(platform.mqttUri(), SITE + ".gw-2", new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        gateway.connect(options).waitForCompletion(10_000);
        browser = HeadlessChromium.start(profiles);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (gateway != null && gateway.isConnected()) {
            gateway.disconnect().waitForCompletion(5_000);
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void aStationSeesItsAlarmArriveAcknowledgesItAndSurvivesALostConnection() throws Exception {
        logIn(browser, "station-07");
        Wait<WebDriver> wait = patiently(browser, THROUGH_THE_PLATFORM);
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-connected")));
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("loading")));
        assertThat(browser.findElements(By.cssSelector("tr.alarm"))).isEmpty();

        long now = System.currentTimeMillis();
        publish(now - 1_000, 3.0);
        publish(now, 60.0);

        wait.until(ExpectedConditions.presenceOfElementLocated(alarmRow(RED_ALARM)));
        assertThat(read(wait, d -> d.findElement(alarmRow(RED_ALARM)).getDomAttribute("data-severity")))
                .isEqualTo("RED");
        assertThat(read(wait, d -> d.findElement(alarmRow(RED_ALARM)).getDomAttribute("data-state")))
                .isEqualTo("ACTIVE_UNACKNOWLEDGED");
        assertThat(read(wait, d -> d.findElement(alarmRow(RED_ALARM)).findElement(By.cssSelector("td.value"))
                .getText())).isEqualTo("60 / 50");
        wait.until(ExpectedConditions.presenceOfElementLocated(alarmRow(ORANGE_ALARM)));
        assertThat(read(wait, d -> d.findElements(By.cssSelector("tr.alarm")).get(0).getDomAttribute("data-alarm-id")))
                .as("red before orange").isEqualTo(RED_ALARM);
        assertThat(read(wait, d -> d.findElement(By.tagName("body")).getDomAttribute("data-alerting")))
                .isEqualTo("true");

        wait.until(d -> {
            d.findElement(alarmRow(RED_ALARM)).findElement(By.cssSelector("button.ack")).click();
            return true;
        });
        wait.until(d -> "ACTIVE_ACKNOWLEDGED".equals(d.findElement(alarmRow(RED_ALARM)).getDomAttribute("data-state")));
        assertThat(read(wait, d -> d.findElement(alarmRow(RED_ALARM)).findElement(By.cssSelector("td.actor"))
                .getText())).isEqualTo("station-07");
        screenshot(browser, "station-console-alarms.png");

        assertOtherStationDoesNotSeeIt();

        platform.console().stop();
        wait.until(d -> "false".equals(d.findElement(By.tagName("body")).getDomAttribute("data-connected")));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("connection-banner")));
        assertThat(read(wait, d -> d.findElement(By.id("connection-banner")).getText()))
                .contains("CONNECTION TO THE ALARM SERVER LOST");
        screenshot(browser, "station-console-connection-lost.png");

        // While the page is cut off, the leak is vented: the acknowledged red alarm returns to normal and leaves
        // the list, the orange one returns unacknowledged. The page must show that after reconnecting.
        publish(System.currentTimeMillis(), 5.0);
        platform.console().start();
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-connected")));
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("connection-banner")));
        wait.until(ExpectedConditions.numberOfElementsToBe(alarmRow(RED_ALARM), 0));
        wait.until(d -> "RETURNED_UNACKNOWLEDGED".equals(
                d.findElement(alarmRow(ORANGE_ALARM)).getDomAttribute("data-state")));

        browser.get(platform.consoleUrl() + "control-room.html");
        By tile = By.cssSelector("section.site[data-site-id='" + SITE + "'] .tile[data-sensor-id='gas-07'] .tile-value");
        assertThat(read(wait, d -> d.findElement(tile).getText())).contains("%LEL");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                "section.site[data-site-id='" + SITE + "'] li.alarm[data-alarm-id='" + ORANGE_ALARM + "']")));
        screenshot(browser, "control-room.png");
    }

    /**
     * Waits that re-find their elements: the page re-renders alarm rows (every change, and the ages every second),
     * so an element found a moment ago may be gone; only what is found and read in one go is trustworthy.
     */
    private static Wait<WebDriver> patiently(WebDriver driver, Duration atMost) {
        return new WebDriverWait(driver, atMost).ignoring(StaleElementReferenceException.class);
    }

    /** What {@code reading} returns once it can: found and read in one go, retried while rows are re-rendered. */
    private static String read(Wait<WebDriver> wait, Function<WebDriver, String> reading) {
        return wait.until(reading::apply);
    }

    private void assertOtherStationDoesNotSeeIt() throws Exception {
        ChromeDriver other = HeadlessChromium.start(profiles);
        try {
            logIn(other, "station-09");
            Wait<WebDriver> wait = patiently(other, Duration.ofSeconds(30));
            wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-connected")));
            wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("loading")));
            assertThat(other.findElement(By.id("coverage")).getText()).contains("Enterprise 017");
            assertThat(other.findElements(By.cssSelector("tr.alarm"))).as("station 9 covers another site").isEmpty();
            assertThat(other.findElement(By.id("no-alarms")).isDisplayed()).isTrue();
        } finally {
            other.quit();
        }
    }

    private static void logIn(WebDriver driver, String station) {
        driver.get(platform.consoleUrl());
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        wait.until(ExpectedConditions.urlContains("/login.html"));
        driver.findElement(By.id("name")).sendKeys(station);
        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        driver.findElement(By.id("login")).click();
        wait.until(ExpectedConditions.urlContains("/alarms.html"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("station"), station));
    }

    private static By alarmRow(String alarmId) {
        return By.cssSelector("tr.alarm[data-alarm-id='" + alarmId + "']");
    }

    private static void publish(long timestampMs, double value) throws Exception {
        TelemetryBatch batch = TelemetryBatch.newBuilder().setSiteId(SITE).setDeviceId("gw-2").setSequence(++sequence)
                .addReadings(Reading.newBuilder().setSensorId("gas-07").setTimestampMs(timestampMs).setValue(value)
                        .setQuality(Quality.QUALITY_GOOD).setUnit("%LEL"))
                .build();
        MqttMessage message = new MqttMessage(batch.toByteArray());
        message.setQos(1);
        IMqttToken token = gateway.publish(MqttTopics.telemetry(SITE, "gw-2"), message);
        token.waitForCompletion(30_000);
        assertThat(token.getReasonCodes()).containsOnly(0);
    }

    /** Saved next to the test classes (target/console-screenshots/) as an artifact of the run. */
    private static void screenshot(ChromeDriver driver, String name) throws URISyntaxException, java.io.IOException {
        Path classes = Path.of(StationConsoleBrowserTest.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI());
        Path folder = classes.getParent().resolve("console-screenshots");
        Files.createDirectories(folder);
        Files.write(folder.resolve(name), driver.getScreenshotAs(OutputType.BYTES));
    }
}
