package io.tocsin.jobs.timeseries;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.Point;
import org.junit.jupiter.api.Test;

class ReadingLinesTest {

    private final ReadingLines lines = new ReadingLines();

    @Test
    void aReadingBecomesOneLineWithItsSeriesValueQualityAndMillisecondTime() {
        String line = lines.toLine(new SensorReading("chem-park-1", "gw-1", "gas-01", 1_790_000_000_123L, 12.5,
                ReadingQuality.GOOD));

        assertThat(line).isEqualTo(
                "reading,device=gw-1,sensor=gas-01,site=chem-park-1 quality=\"good\",value=12.5 1790000000123");
    }

    @Test
    void idsWithSpacesCommasAndEqualsSignsAreEscapedNotBroken() {
        String line = lines.toLine(new SensorReading("park 1", "gw,1", "gas=01", 1L, 1.0, ReadingQuality.GOOD));

        assertThat(line).startsWith("reading,device=gw\\,1,sensor=gas\\=01,site=park\\ 1 ");
    }

    @Test
    void aValueThatIsNotANumberKeepsOnlyItsQuality() {
        String line = lines.toLine(new SensorReading("s", "d", "x", 5L, Double.NaN, ReadingQuality.BAD));

        assertThat(line).isEqualTo("reading,device=d,sensor=x,site=s quality=\"bad\" 5");
    }

    @Test
    void aReadingWithoutDeviceHasNoDeviceTag() {
        String line = lines.toLine(new SensorReading("s", "", "x", 5L, 2.0, ReadingQuality.UNCERTAIN));

        assertThat(line).isEqualTo("reading,sensor=x,site=s quality=\"uncertain\",value=2.0 5");
    }

    /** influxdb-client-java's own Point is the oracle: the hand-written formatter must write the same bytes. */
    @Test
    void linesAreTheSameAsInfluxDbClientPointWrites() {
        String[] ids = {"gas-01", "park 1", "a,b=c", "tab\there", "line\nbreak", "back\\slash", "汉字-01", ""};
        double[] values = {0, -0.0, 12.5, 2.0, 1e-7, -3.25e-4, 1e7, 123456789.125, 1e20, -1.7976931348623157e308,
                Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY};
        for (String id : ids) {
            for (double value : values) {
                for (ReadingQuality quality : ReadingQuality.values()) {
                    SensorReading r = new SensorReading("site-" + id, id, "sensor-" + id, 1_790_000_000_123L, value,
                            quality);
                    Point point = Point.measurement(ReadingLines.MEASUREMENT)
                            .addTag("site", r.siteId())
                            .addTag("sensor", r.sensorId())
                            .addField("quality", quality.name().toLowerCase(java.util.Locale.ROOT))
                            .time(r.timestampMs(), WritePrecision.MS);
                    if (!id.isEmpty()) {
                        point.addTag("device", id);
                    }
                    if (Double.isFinite(value)) {
                        point.addField("value", value);
                    }
                    assertThat(lines.toLine(r)).as("id %s value %s", id, value).isEqualTo(point.toLineProtocol());
                }
            }
        }
    }
}
