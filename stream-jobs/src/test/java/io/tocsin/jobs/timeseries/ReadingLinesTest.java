package io.tocsin.jobs.timeseries;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
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
}
