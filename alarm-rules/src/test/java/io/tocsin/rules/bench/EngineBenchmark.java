package io.tocsin.rules.bench;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.Verdict;
import io.tocsin.rules.config.RuleFileLoader;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.engine.SensorAlarmState;
import io.tocsin.rules.lifecycle.SitePolicy;
import io.tocsin.rules.rate.RateOfRiseRule;
import io.tocsin.rules.threshold.ThresholdRule;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Evaluations per second on one thread: one reading through the engine of one sensor, state carried from
 * reading to reading as Flink's heap state backend does. Readings rise and fall below the alarm limits (the
 * common case: no transition); times advance 1 s per reading. Each operation creates its SensorReading, as
 * deserialisation would.
 *
 * <p>Run: see the "bench" profile in alarm-rules/pom.xml.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@State(Scope.Thread)
public class EngineBenchmark {

    private static final int VALUES = 1024;

    private final double[] values = new double[VALUES];
    private SensorAlarmEngine threshold;
    private SensorAlarmEngine rateOfRise;
    private SensorAlarmEngine gasSensor;
    private ThresholdRule thresholdRule;
    private SensorAlarmState thresholdState;
    private SensorAlarmState rateState;
    private SensorAlarmState gasState;
    private long t;
    private int i;
    private boolean on;

    @Setup(Level.Trial)
    public void setUp() {
        for (int k = 0; k < VALUES; k++) {
            // 5–15 %LEL, a slow wave plus noise: never near 25, slope far below 5 %LEL/min.
            values[k] = 10 + 4 * Math.sin(k / 100.0) + ((k * 7919) % 100) / 100.0;
        }
        thresholdRule = new ThresholdRule(RuleCommon.of("gas-high-1", Severity.ORANGE),
                ThresholdRule.Direction.HIGH, 25, 20);
        threshold = new SensorAlarmEngine("bench", List.of(thresholdRule), 0, 100, SitePolicy.DEFAULT);
        rateOfRise = new SensorAlarmEngine("bench", List.of(new RateOfRiseRule(
                RuleCommon.of("gas-rise", Severity.YELLOW), 5, 4, 60_000, 6, 64)), 0, 100, SitePolicy.DEFAULT);
        gasSensor = RuleFileLoader.loadDefault().engineFor("chem-park-1", "gas-01");
        t = 1_790_000_000_000L;
        thresholdState = threshold.onReading(null, reading()).state();
        rateState = rateOfRise.onReading(null, reading()).state();
        gasState = gasSensor.onReading(null, reading()).state();
    }

    private SensorReading reading() {
        t += 1_000;
        return new SensorReading("chem-park-1", "gw-1", "gas-01", t, values[i++ & (VALUES - 1)],
                ReadingQuality.GOOD);
    }

    /** The engine with one threshold rule (hysteresis). */
    @Benchmark
    public RuleOutcome<SensorAlarmState> threshold() {
        RuleOutcome<SensorAlarmState> out = threshold.onReading(thresholdState, reading());
        thresholdState = out.state();
        return out;
    }

    /** The engine with one rate-of-rise rule (60 s window, 1 sample/s, least-squares slope). */
    @Benchmark
    public RuleOutcome<SensorAlarmState> rateOfRise() {
        RuleOutcome<SensorAlarmState> out = rateOfRise.onReading(rateState, reading());
        rateState = out.state();
        return out;
    }

    /** A demo gas detector's full rule list: two levels, fault, silence. */
    @Benchmark
    public RuleOutcome<SensorAlarmState> gasSensorFourRules() {
        RuleOutcome<SensorAlarmState> out = gasSensor.onReading(gasState, reading());
        gasState = out.state();
        return out;
    }

    /** The threshold rule's decision alone, without the engine. */
    @Benchmark
    public Verdict thresholdRuleOnly() {
        Verdict v = thresholdRule.onReading(on, reading(), true, null);
        on = v == Verdict.ON;
        return v;
    }
}
