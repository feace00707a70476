package io.tocsin.ingest.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** The benches' {@code key=value} arguments ({@code key} alone means an empty value). */
final class BenchOptions {

    private BenchOptions() {
    }

    /** Parses {@code args} from index {@code from} on (a bench may take a mode word first). */
    static Map<String, String> parse(String[] args, int from) {
        Map<String, String> options = new HashMap<>();
        for (String arg : Arrays.asList(args).subList(Math.min(from, args.length), args.length)) {
            String[] pair = arg.split("=", 2);
            options.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        return options;
    }
}
