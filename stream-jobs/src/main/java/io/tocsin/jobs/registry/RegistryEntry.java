package io.tocsin.jobs.registry;

/**
 * One record of the registry topic as it flows through Flink (to every parallel instance, as broadcast state):
 * the key ({@code site/<id>} or {@value #RULES_KEY}) and the {@code RegistryRecord} protobuf bytes; an empty value
 * removes the entry. Bytes rather than parsed objects, so the broadcast state needs nothing but Flink's own
 * serializers.
 */
public record RegistryEntry(String key, byte[] value) {

    public static final String RULES_KEY = "rules";
    public static final String SITE_KEY_PREFIX = "site/";

    public static String siteKey(String siteId) {
        return SITE_KEY_PREFIX + siteId;
    }

    public boolean isRemoval() {
        return value == null || value.length == 0;
    }
}
