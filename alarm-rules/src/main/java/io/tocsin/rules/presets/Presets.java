package io.tocsin.rules.presets;

import io.tocsin.rules.Severity;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The presets a rule file can name ({@code preset: gbt50493-combustible-1}). The numbers come from the
 * standards below; where a standard fixes a range rather than a value, the preset takes the safe end and
 * refuses overrides outside the range.
 *
 * <h2>GB/T 50493-2019</h2>
 * 《石油化工可燃气体和有毒气体检测报警设计标准》 (Standard for design of combustible gas and toxic gas detection
 * and alarm for petrochemical industry), clause 5.5.2 (alarm set points):
 * <ul>
 *   <li>combustible gas: first-level alarm at most 25 %LEL, second-level alarm at most 50 %LEL;</li>
 *   <li>toxic gas: first-level alarm at most 100 %OEL, second-level alarm at most 200 %OEL (OEL: the
 *       occupational exposure limit of GBZ 2.1; when the detector's measuring range cannot reach 200 %OEL the
 *       standard allows the second level at the range's upper limit — override the set point down then).</li>
 * </ul>
 * Severity: first level ORANGE, second level RED (the city's four-colour scale; first level means "act",
 * second "evacuate / fire station").
 *
 * <h2>EN 54-5:2017 / GB 4716-2005</h2>
 * EN 54-5 (Fire detection and fire alarm systems — Part 5: Heat detectors — Point heat detectors), table 1,
 * and GB 4716-2005 《点型感温火灾探测器》 (which uses the same classes), static response temperature of each
 * class:
 * <pre>
 *  class  typical/max application °C   static response °C
 *  A1     25 / 50                      54 – 65
 *  A2     25 / 50                      54 – 70
 *  B      40 / 65                      69 – 85
 *  C      55 / 80                      84 – 100
 *  D      70 / 95                      99 – 115
 *  E      85 / 110                     114 – 130
 *  F      100 / 125                    129 – 145
 *  G      115 / 140                    144 – 160
 * </pre>
 * A detector of a class must respond inside its range: the preset alarms at the range's lower end (the
 * earliest response the class allows, above the maximum application temperature so normal conditions do not
 * alarm) and refuses set points outside the range. Severity RED (fire).
 *
 * <p>The R suffix (A1R ... GR) adds rate-of-rise response. EN 54-5 specifies R by response-time limits at
 * test rates of rise from 1 to 30 K/min, not by one rate; the companion rule here fires at 10 K/min over a
 * 60 s window (10 K/min is one of the standard's test rates; it is also close to the 8.3 K/min, i.e.
 * 15 °F/min, of UL 521 / NFPA 72 rate-of-rise detectors). That is an engineering choice, not a figure of
 * the standard: override {@code risePerMinute} per site if the fire authority asks for another.
 */
public final class Presets {

    /** Rate-of-rise companion of the EN 54-5 R classes: see the class comment. */
    public static final double HEAT_RISE_PER_MINUTE = 10.0;
    public static final long HEAT_RISE_WINDOW_MS = 60_000;
    public static final int HEAT_RISE_MIN_SAMPLES = 4;

    private static final String GBT50493 = "GB/T 50493-2019 clause 5.5.2";
    private static final String EN54_5 = "EN 54-5:2017 table 1 / GB 4716-2005";

    private static final Map<String, Preset> ALL = build();

    private Presets() {
    }

    private static Map<String, Preset> build() {
        Map<String, Preset> m = new LinkedHashMap<>();
        put(m, new Preset("gbt50493-combustible-1", RuleKind.THRESHOLD_HIGH, Severity.ORANGE, 25, 0, 25, "%LEL",
                false, GBT50493 + ": combustible gas, first level <= 25 %LEL"));
        put(m, new Preset("gbt50493-combustible-2", RuleKind.THRESHOLD_HIGH, Severity.RED, 50, 0, 50, "%LEL",
                false, GBT50493 + ": combustible gas, second level <= 50 %LEL"));
        put(m, new Preset("gbt50493-toxic-1", RuleKind.THRESHOLD_HIGH, Severity.ORANGE, 100, 0, 100, "%OEL",
                false, GBT50493 + ": toxic gas, first level <= 100 %OEL"));
        put(m, new Preset("gbt50493-toxic-2", RuleKind.THRESHOLD_HIGH, Severity.RED, 200, 0, 200, "%OEL",
                false, GBT50493 + ": toxic gas, second level <= 200 %OEL"));
        double[][] classes = {{54, 65}, {54, 70}, {69, 85}, {84, 100}, {99, 115}, {114, 130}, {129, 145},
                {144, 160}};
        String[] names = {"A1", "A2", "B", "C", "D", "E", "F", "G"};
        for (int i = 0; i < names.length; i++) {
            for (boolean r : new boolean[] {false, true}) {
                String cls = names[i] + (r ? "R" : "");
                put(m, new Preset("en54-5-" + cls, RuleKind.THRESHOLD_HIGH, Severity.RED, classes[i][0],
                        classes[i][0], classes[i][1], "°C", r, EN54_5 + ": heat detector class " + cls
                        + ", static response " + (int) classes[i][0] + "–" + (int) classes[i][1] + " °C"
                        + (r ? ", plus rate of rise" : "")));
            }
        }
        return Collections.unmodifiableMap(m);
    }

    private static void put(Map<String, Preset> m, Preset p) {
        m.put(p.name(), p);
    }

    public static Optional<Preset> named(String name) {
        return Optional.ofNullable(ALL.get(name));
    }

    public static Set<String> names() {
        return ALL.keySet();
    }
}
