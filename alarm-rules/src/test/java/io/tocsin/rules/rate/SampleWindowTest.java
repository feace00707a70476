package io.tocsin.rules.rate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SampleWindowTest {

    /** The slope of the samples kept, computed directly. */
    private static double directSlopePerMinute(long[] t, double[] v, int from, int to) {
        int n = to - from;
        double mx = 0;
        double my = 0;
        for (int i = from; i < to; i++) {
            mx += t[i] / 1000.0;
            my += v[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        for (int i = from; i < to; i++) {
            sxy += (t[i] / 1000.0 - mx) * (v[i] - my);
            sxx += (t[i] / 1000.0 - mx) * (t[i] / 1000.0 - mx);
        }
        return 60 * sxy / sxx;
    }

    @Test
    void runningSumsMatchADirectFitAfterManyWrapsAndEvictions() {
        Random random = new Random(3);
        int count = 20_000;
        long[] t = new long[count];
        double[] v = new double[count];
        SampleWindow w = SampleWindow.withCapacity(16);
        long time = 1_790_000_000_000L;
        for (int i = 0; i < count; i++) {
            time += 500 + random.nextInt(1_500);
            t[i] = time;
            v[i] = 1_000 + random.nextGaussian() * 50;
            w.push(t[i], v[i], 10_000);
        }
        int from = count - w.size();
        assertThat(t[from]).isGreaterThanOrEqualTo(t[count - 1] - 10_000);
        assertThat(w.slopePerMinute()).isCloseTo(directSlopePerMinute(t, v, from, count), within(1e-4));
    }

    @Test
    void lateAndDuplicateSamplesAreIgnoredAndOldOnesLeaveTheWindow() {
        SampleWindow w = SampleWindow.withCapacity(8);
        w.push(1_000, 1, 5_000);
        w.push(2_000, 2, 5_000);
        w.push(2_000, 99, 5_000);
        w.push(1_500, 99, 5_000);
        assertThat(w.size()).isEqualTo(2);
        assertThat(w.slopePerMinute()).isCloseTo(60, within(1e-9));

        w.push(10_000, 3, 5_000);
        assertThat(w.size()).as("the first two are older than 5 s").isEqualTo(1);
        assertThat(w.slopePerMinute()).isNaN();
        assertThat(w.copy()).isEqualTo(w);
    }
}
