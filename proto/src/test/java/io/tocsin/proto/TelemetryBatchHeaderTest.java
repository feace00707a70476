package io.tocsin.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Oracle: protobuf's own parser. {@link TelemetryBatchHeader#read} must accept exactly what it accepts. */
class TelemetryBatchHeaderTest {

    @Test
    void aWellFormedBatchIsReadWithoutTheParser() {
        byte[] payload = batch("chem-park-1", "gw-7", 3).toByteArray();

        assertThat(TelemetryBatchHeader.scan(payload)).isEqualTo(new TelemetryBatchHeader("chem-park-1", "gw-7", 3));
    }

    @Test
    void unknownFieldsOfThePlainWireTypesStayOnTheFastPath() {
        UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
                .addField(90, UnknownFieldSet.Field.newBuilder().addVarint(-1).addFixed32(7).addFixed64(8)
                        .addLengthDelimited(ByteString.copyFrom(new byte[] {(byte) 0xff, 0x00})).build())
                .build();
        TelemetryBatch batch = TelemetryBatch.newBuilder(batch("s", "d", 1)).setUnknownFields(unknown)
                .setReadings(0, Reading.newBuilder(batch("s", "d", 1).getReadings(0)).setUnknownFields(unknown))
                .build();

        assertThat(TelemetryBatchHeader.scan(batch.toByteArray())).isEqualTo(new TelemetryBatchHeader("s", "d", 1));
    }

    @Test
    void anEmptyPayloadIsABatchWithNothingInIt() throws Exception {
        assertThat(TelemetryBatchHeader.read(new byte[0])).isEqualTo(new TelemetryBatchHeader("", "", 0));
    }

    @Test
    void theLastSiteIdWinsAsInTheParser() throws Exception {
        byte[] payload = concat(batch("first", "d", 1).toByteArray(), TelemetryBatch.newBuilder().setSiteId("second")
                .build().toByteArray());

        assertThat(TelemetryBatchHeader.read(payload)).isEqualTo(new TelemetryBatchHeader("second", "d", 1));
        assertThat(TelemetryBatch.parseFrom(payload).getSiteId()).isEqualTo("second");
    }

    @Test
    void invalidUtf8InAReadingsSensorIdIsRefusedWithTheParsersMessage() {
        byte[] payload = batch("s", "d", 1).toByteArray();
        byte[] sensorId = "gas-0".getBytes();
        int at = indexOf(payload, sensorId);
        payload[at] = (byte) 0xc3; // starts a two-byte sequence that the next byte does not continue
        payload[at + 1] = (byte) 0x28;

        assertThat(TelemetryBatchHeader.scan(payload)).isNull();
        assertThatThrownBy(() -> TelemetryBatchHeader.read(payload)).isInstanceOf(InvalidProtocolBufferException.class)
                .hasMessageContaining("UTF-8");
    }

    @Test
    void nonAsciiSensorIdsAreCheckedAsTheParserChecksThem() {
        byte[] valid = TelemetryBatch.newBuilder().setSiteId("s").setDeviceId("d")
                .addReadings(Reading.newBuilder().setSensorId("gas-\u00e9\u6c14")).build().toByteArray();
        assertThat(TelemetryBatchHeader.scan(valid)).isEqualTo(new TelemetryBatchHeader("s", "d", 1));

        byte[] invalid = valid.clone();
        invalid[indexOf(invalid, "\u6c14".getBytes(java.nio.charset.StandardCharsets.UTF_8)) + 1] = 'x';
        assertThat(TelemetryBatchHeader.scan(invalid)).isNull();
        assertThatThrownBy(() -> TelemetryBatch.parseFrom(invalid)).isInstanceOf(InvalidProtocolBufferException.class);
    }

    @Test
    void aSiteIdWithTheWrongWireTypeIsAnUnknownFieldAsInTheParser() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeUInt64(TelemetryBatch.SITE_ID_FIELD_NUMBER, 5); // a varint where a string belongs
        out.writeMessage(TelemetryBatch.READINGS_FIELD_NUMBER, batch("s", "d", 1).getReadings(0));
        out.flush();

        assertThat(TelemetryBatchHeader.read(bytes.toByteArray())).isEqualTo(new TelemetryBatchHeader("", "", 1));
    }

    @Test
    void aGroupGoesToTheParser() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeString(TelemetryBatch.SITE_ID_FIELD_NUMBER, "s");
        out.writeTag(77, 3); // start group
        out.writeUInt64(1, 9);
        out.writeTag(77, 4); // end group
        out.flush();
        byte[] payload = bytes.toByteArray();

        assertThat(TelemetryBatchHeader.scan(payload)).isNull();
        assertThat(TelemetryBatchHeader.read(payload)).isEqualTo(new TelemetryBatchHeader("s", "", 0));
    }

    /**
     * Mutated valid batches (bytes changed, cut, inserted, repeated) and random bytes: whenever the parser refuses
     * a payload, {@code read} refuses it too; whenever it accepts one, {@code read} gives the parsed values; and the
     * fast path never accepts what the parser refuses.
     */
    @Test
    void acceptsExactlyWhatTheParserAcceptsOnMutatedPayloads() throws Exception {
        Random random = new Random(20261130L);
        int fastPath = 0;
        int refused = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] payload = mutated(random);
            TelemetryBatch parsed;
            try {
                parsed = TelemetryBatch.parseFrom(payload);
            } catch (InvalidProtocolBufferException e) {
                parsed = null;
            }
            TelemetryBatchHeader scanned = TelemetryBatchHeader.scan(payload);
            if (parsed == null) {
                refused++;
                assertThat(scanned).as("fast path on a payload the parser refuses: %s", Arrays.toString(payload))
                        .isNull();
                assertThatThrownBy(() -> TelemetryBatchHeader.read(payload))
                        .isInstanceOf(InvalidProtocolBufferException.class);
            } else {
                TelemetryBatchHeader expected = new TelemetryBatchHeader(parsed.getSiteId(), parsed.getDeviceId(),
                        parsed.getReadingsCount());
                assertThat(TelemetryBatchHeader.read(payload)).as(Arrays.toString(payload)).isEqualTo(expected);
                if (scanned != null) {
                    fastPath++;
                    assertThat(scanned).isEqualTo(expected);
                }
            }
        }
        // The test means something only if both outcomes and the fast path occur often.
        assertThat(refused).isGreaterThan(5_000);
        assertThat(fastPath).isGreaterThan(5_000);
    }

    private static byte[] mutated(Random random) throws IOException {
        byte[] base = batch(random.nextBoolean() ? "chem-park-1" : "s\u00e9", "gw-" + random.nextInt(100),
                random.nextInt(4)).toByteArray();
        if (random.nextInt(20) == 0) {
            byte[] noise = new byte[random.nextInt(40)];
            random.nextBytes(noise);
            return noise;
        }
        byte[] payload = base.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && payload.length > 0; e++) {
            int at = random.nextInt(payload.length);
            switch (random.nextInt(5)) {
                case 0 -> payload[at] = (byte) random.nextInt(256);
                case 1 -> payload[at] ^= (byte) (1 << random.nextInt(8));
                case 2 -> payload = Arrays.copyOf(payload, at); // cut
                case 3 -> { // insert a byte
                    byte[] longer = new byte[payload.length + 1];
                    System.arraycopy(payload, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(payload, at, longer, at + 1, payload.length - at);
                    payload = longer;
                }
                default -> payload = concat(payload, Arrays.copyOfRange(base, random.nextInt(base.length), base.length));
            }
        }
        return payload;
    }

    private static TelemetryBatch batch(String site, String device, int readings) {
        TelemetryBatch.Builder batch = TelemetryBatch.newBuilder().setSiteId(site).setDeviceId(device).setSequence(42);
        for (int r = 0; r < readings; r++) {
            batch.addReadings(Reading.newBuilder().setSensorId("gas-" + r).setTimestampMs(1_790_000_000_000L + r)
                    .setValue(r * 1.5).setQuality(Quality.QUALITY_GOOD).setUnit("%LEL"));
        }
        return batch.build();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
