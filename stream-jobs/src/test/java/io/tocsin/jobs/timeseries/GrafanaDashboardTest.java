package io.tocsin.jobs.timeseries;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboards under {@code deploy/grafana/dashboards} query what the time-series job writes: every
 * measurement, field and tag their Flux queries name is one that {@link ReadingLines}, {@link RollupLines} or
 * {@link AlarmEventLines} actually produce. The schema is taken from lines the formatters write here, so renaming a
 * tag or field in a formatter breaks this test until the dashboard follows.
 */
class GrafanaDashboardTest {

    private static final Path GRAFANA = Path.of("..", "deploy", "grafana");
    private static final Pattern MEASUREMENT = Pattern.compile("_measurement\\s*==\\s*\"([^\"]+)\"");
    private static final Pattern FIELD = Pattern.compile("_field\\s*==\\s*\"([^\"]+)\"");
    private static final Pattern ROW_COLUMN = Pattern.compile("\\br\\.([A-Za-z][A-Za-z0-9_]*)");
    private static final Pattern TAG_ARGUMENT = Pattern.compile("\\btag:\\s*\"([^\"]+)\"");
    private static final Pattern COLUMN_LIST = Pattern.compile("(?:columns|rowKey|columnKey):\\s*\\[([^\\]]*)\\]");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");
    private static final Pattern DEFINED = Pattern.compile("\\bwith\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*:");

    /** Measurement to what its lines carry, as written by the formatters. */
    private static final Map<String, Schema> WRITTEN = new HashMap<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    record Schema(Set<String> tags, Set<String> fields) {
    }

    /** One Flux query and where in which dashboard it is. */
    record FluxQuery(String where, String flux) {
    }

    @BeforeAll
    static void writeOneLineOfEachKind() {
        AlarmTransition raised = new AlarmTransition("park-1/gas-01/gas-high/1", "park-1", "gw-1", "gas-01",
                "gas-high", Severity.ORANGE, AlarmState.ACTIVE_UNACKNOWLEDGED, 30, 25, 1_790_000_040_000L,
                1_790_000_040_000L, 1, AlarmKind.PROCESS, TransitionCause.CONDITION, "v1", "duty officer",
                "checked on site", 0, false);
        for (String line : List.of(
                new ReadingLines().toLine(new SensorReading("park-1", "gw-1", "gas-01", 1_790_000_040_000L, 12.5,
                        ReadingQuality.GOOD)),
                new RollupLines().toLine(new ReadingRollup("park-1", "gas-01", 1_790_000_040_000L, 1, 3, 2, 3, 3)),
                new AlarmEventLines().toLine(new RoutedAlarm(raised, List.of("station-09", "control-room"), 1,
                        "zone-a")))) {
            parseLine(line);
        }
        assertThat(WRITTEN).containsOnlyKeys(ReadingLines.MEASUREMENT, RollupLines.MEASUREMENT,
                AlarmEventLines.MEASUREMENT);
    }

    @Test
    void everyMeasurementFieldAndTagTheQueriesNameIsWrittenByTheJob() throws Exception {
        List<FluxQuery> queries = queries();
        assertThat(queries).as("Flux queries in the dashboards").hasSizeGreaterThan(5);
        Set<String> measurementsUsed = new LinkedHashSet<>();
        for (FluxQuery query : queries) {
            Set<String> measurements = all(MEASUREMENT, query.flux());
            assertThat(measurements).as("%s names a measurement (r._measurement == \"...\")", query.where())
                    .isNotEmpty();
            assertThat(WRITTEN).as("%s: measurements the job writes", query.where()).containsKeys(
                    measurements.toArray(String[]::new));
            measurementsUsed.addAll(measurements);

            Set<String> tags = new LinkedHashSet<>();
            Set<String> fields = new LinkedHashSet<>();
            for (String m : measurements) {
                tags.addAll(WRITTEN.get(m).tags());
                fields.addAll(WRITTEN.get(m).fields());
            }
            assertThat(fields).as("%s: fields of %s", query.where(), measurements)
                    .containsAll(all(FIELD, query.flux()));

            Set<String> rowTags = all(ROW_COLUMN, query.flux());
            rowTags.addAll(all(TAG_ARGUMENT, query.flux()));
            assertThat(tags).as("%s: tags of %s (r.<tag>, tag: \"<tag>\")", query.where(), measurements)
                    .containsAll(rowTags);

            // Column lists (keep, group, pivot) may also name fields (after a pivot) and columns the query defines.
            Set<String> columns = new LinkedHashSet<>();
            Matcher lists = COLUMN_LIST.matcher(query.flux());
            while (lists.find()) {
                for (String name : all(QUOTED, lists.group(1))) {
                    if (!name.startsWith("_")) {
                        columns.add(name);
                    }
                }
            }
            Set<String> known = new LinkedHashSet<>(tags);
            known.addAll(fields);
            known.addAll(all(DEFINED, query.flux()));
            assertThat(known).as("%s: columns in keep/group/pivot", query.where()).containsAll(columns);
        }
        assertThat(measurementsUsed).as("the dashboards show readings, rollups and alarm events")
                .contains(ReadingLines.MEASUREMENT, RollupLines.MEASUREMENT, AlarmEventLines.MEASUREMENT);
    }

    @Test
    void theDashboardsHaveSiteAndSensorVariablesAndAlarmAnnotations() throws Exception {
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            List<String> variables = new ArrayList<>();
            dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
            assertThat(variables).as(file + " variables").contains("site", "sensor");
            List<String> annotationQueries = new ArrayList<>();
            dashboard.path("annotations").path("list").forEach(a -> annotationQueries.add(
                    a.path("target").path("query").asText("")));
            assertThat(annotationQueries).as(file + " annotations")
                    .anyMatch(q -> q.contains("\"" + AlarmEventLines.MEASUREMENT + "\""));
        }
    }

    @Test
    void theDashboardsUseTheProvisionedDataSource() throws Exception {
        JsonNode provisioning = new ObjectMapper(new YAMLFactory()).readTree(
                GRAFANA.resolve("provisioning/datasources/influxdb.yaml").toFile());
        JsonNode dataSource = provisioning.path("datasources").get(0);
        assertThat(dataSource.path("type").asText()).isEqualTo("influxdb");
        assertThat(dataSource.path("jsonData").path("version").asText()).isEqualTo("Flux");
        String uid = dataSource.path("uid").asText();
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            List<String> uids = new ArrayList<>();
            for (JsonNode panel : dashboard.path("panels")) {
                uids.add(panel.path("datasource").path("uid").asText());
                assertThat(panel.path("targets")).as("targets of panel %s", panel.path("title")).isNotEmpty();
            }
            assertThat(uids).as(file + " panel data sources").isNotEmpty().containsOnly(uid);
        }
    }

    private static List<FluxQuery> queries() throws IOException {
        List<FluxQuery> queries = new ArrayList<>();
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    queries.add(new FluxQuery(file.getFileName() + " panel '" + panel.path("title").asText() + "'",
                            target.path("query").asText()));
                }
            }
            for (JsonNode annotation : dashboard.path("annotations").path("list")) {
                String flux = annotation.path("target").path("query").asText("");
                if (!flux.isEmpty()) {
                    queries.add(new FluxQuery(file.getFileName() + " annotation '" + annotation.path("name").asText()
                            + "'", flux));
                }
            }
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                if (variable.path("type").asText().equals("query")) {
                    JsonNode query = variable.path("query");
                    queries.add(new FluxQuery(file.getFileName() + " variable '" + variable.path("name").asText()
                            + "'", query.isObject() ? query.path("query").asText() : query.asText()));
                }
            }
        }
        return queries;
    }

    private static List<Path> dashboardFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> json = Files.newDirectoryStream(GRAFANA.resolve("dashboards"), "*.json")) {
            json.forEach(files::add);
        }
        assertThat(files).as("dashboards in " + GRAFANA.resolve("dashboards")).isNotEmpty();
        return files;
    }

    private static Set<String> all(Pattern pattern, String text) {
        Set<String> found = new LinkedHashSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** Line protocol: {@code measurement[,tag=value...] field=value[,field=value...] [time]}, with \ escapes. */
    private static void parseLine(String line) {
        List<String> sections = split(line, ' ', true);
        List<String> seriesKey = split(sections.get(0), ',', false);
        Schema schema = WRITTEN.computeIfAbsent(unescape(seriesKey.get(0)),
                m -> new Schema(new LinkedHashSet<>(), new LinkedHashSet<>()));
        for (String tag : seriesKey.subList(1, seriesKey.size())) {
            schema.tags().add(unescape(split(tag, '=', false).get(0)));
        }
        for (String field : split(sections.get(1), ',', true)) {
            schema.fields().add(unescape(split(field, '=', true).get(0)));
        }
    }

    /** Splits on {@code separator} where it is not escaped with \ (nor, if asked, inside double quotes). */
    private static List<String> split(String s, char separator, boolean quotesProtect) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                current.append(c).append(s.charAt(++i));
            } else if (c == '"' && quotesProtect) {
                quoted = !quoted;
                current.append(c);
            } else if (c == separator && !quoted) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    private static String unescape(String s) {
        return s.replaceAll("\\\\(.)", "$1");
    }
}
