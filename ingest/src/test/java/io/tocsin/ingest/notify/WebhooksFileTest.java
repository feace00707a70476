package io.tocsin.ingest.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhooksFileTest {

    private static final Map<String, String> ENV = Map.of("HOOK_SECRET_07", "s3cr3t-from-the-environment");

    @TempDir
    Path dir;

    @Test
    void readsTargetsAndDeliverySettings() {
        WebhookSettings settings = parse("""
                delivery:
                  first-retry: 500ms
                  max-retry: 30s
                  give-up-after: 10m
                  request-timeout: 5s
                  state-directory: state
                  remember-delivered: 5000
                stations:
                  station-07:
                    url: https://sms.example.org/tocsin
                    secret-env: HOOK_SECRET_07
                  station-09:
                    url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc
                    secret: "a-literal-secret-16+"
                    format: bot-text
                """);

        assertThat(settings.retry()).isEqualTo(new RetryPolicy(Duration.ofMillis(500), Duration.ofSeconds(30),
                Duration.ofMinutes(10), Duration.ofSeconds(5)));
        assertThat(settings.stateDirectory()).isEqualTo(dir.resolve("state"));
        assertThat(settings.deliveredKeysCapacity()).isEqualTo(5000);
        WebhookTarget s7 = settings.targets().get("station-07");
        assertThat(s7.format()).isEqualTo(WebhookTarget.BodyFormat.JSON);
        assertThat(new String(s7.secret())).isEqualTo("s3cr3t-from-the-environment");
        WebhookTarget s9 = settings.targets().get("station-09");
        assertThat(s9.format()).isEqualTo(WebhookTarget.BodyFormat.BOT_TEXT);
        assertThat(s9.redactedUrl()).isEqualTo("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…");
    }

    @Test
    void defaultsApplyWithoutADeliverySection() {
        WebhookSettings settings = parse("""
                stations:
                  station-07: {url: "http://127.0.0.1:8080/hook", secret-env: HOOK_SECRET_07}
                """);

        assertThat(settings.retry()).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(settings.stateDirectory()).isEqualTo(dir.resolve("default-state"));
    }

    @Test
    void theSampleFileInDeployIsValid() throws Exception {
        Path sample = Path.of("..", "deploy", "webhooks.example.yaml");
        WebhookSettings settings = WebhooksFile.parse(Files.readString(sample), sample.toString(), dir,
                dir.resolve("default-state"), name -> "an-example-secret-of-32-characters");

        assertThat(settings.targets()).isNotEmpty();
    }

    @Test
    void errorsNameTheFileTheLineTheKeyAndTheFix() {
        assertProblem("""
                stations:
                  station-07:
                    url: https://sms.example.org/tocsin
                    secret-env: HOOK_SECRET_07
                    fromat: json
                """, "webhooks.yaml, line 5: key stations.station-07.fromat: unknown key", "fix: use one of");
        assertProblem("""
                stations:
                  station-07:
                    url: ftp://sms.example.org/tocsin
                    secret-env: HOOK_SECRET_07
                """, "line 3: key stations.station-07.url", "http");
        assertProblem("""
                stations:
                  station-07:
                    url: https://sms.example.org/tocsin
                    secret-env: NOT_SET
                """, "line 4: key stations.station-07.secret-env: environment variable NOT_SET is not set",
                "fix: export NOT_SET=");
        assertProblem("""
                stations:
                  station-07:
                    url: https://sms.example.org/tocsin
                    secret: short
                """, "line 4: key stations.station-07.secret: the secret is 5 bytes", "openssl rand");
        assertProblem("""
                stations:
                  station-07:
                    url: https://sms.example.org/tocsin
                """, "line 2: key stations.station-07: has no secret", "secret-env");
        assertProblem("""
                stations:
                  station-07:
                    url: https://sms.example.org/tocsin
                    secret-env: HOOK_SECRET_07
                    format: sms
                """, "line 5: key stations.station-07.format: unknown format 'sms'", "bot-text");
        assertProblem("""
                delivery:
                  give-up-after: ten minutes
                stations:
                  station-07: {url: "https://a.example.org/", secret-env: HOOK_SECRET_07}
                """, "line 2: key delivery.give-up-after: 'ten minutes' is not a duration", "15m");
        assertProblem("""
                delivery:
                  give-up-after: 9223372036854775807h
                stations:
                  station-07: {url: "https://a.example.org/", secret-env: HOOK_SECRET_07}
                """, "line 2: key delivery.give-up-after: '9223372036854775807h' is too long a duration", "15m");
        assertProblem("delivery: {}\n", "key stations: is missing", "fix:");
        assertProblem("stations:\n  - a\n", "key stations: must be a non-empty mapping", "fix:");
        assertProblem("stations: [\n", "not valid YAML", "indentation");
    }

    private void assertProblem(String yaml, String... fragments) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(IllegalArgumentException.class)
                .message().startsWith("webhooks.yaml").contains(fragments);
    }

    private WebhookSettings parse(String yaml) {
        return WebhooksFile.parse(yaml, "webhooks.yaml", dir, dir.resolve("default-state"), ENV::get);
    }
}
