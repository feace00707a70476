package io.tocsin.edge.driver.serial.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The serial driver cuts frames on CR/LF bytes before decoding (SerialLineDriver's class comment): that is only
 * right if no multi-byte character of the panel's encoding contains 0x0A or 0x0D. For any text a panel can
 * print in GBK, GB18030 or UTF-8, the encoded bytes hold CR and LF exactly where the text does, and a frame
 * decodes back to the text it came from.
 */
class ChineseCharsetFramingFuzzTest {

    private static final Charset[] PANEL_ENCODINGS = {Charset.forName("GBK"), Charset.forName("GB18030"),
        StandardCharsets.UTF_8};

    @FuzzTest(maxDuration = "10s")
    void lineBreakBytesOnlyComeFromLineBreaks(FuzzedDataProvider data) {
        Charset charset = data.pickValue(PANEL_ENCODINGS);
        String text = data.consumeRemainingAsString();
        byte[] encoded;
        try {
            CharsetEncoder encoder = charset.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            ByteBuffer buffer = encoder.encode(CharBuffer.wrap(text));
            encoded = new byte[buffer.remaining()];
            buffer.get(encoded);
        } catch (CharacterCodingException e) {
            return; // a character the panel's encoding cannot print (or a lone surrogate): not a panel's text
        }
        long crLfInText = text.chars().filter(c -> c == '\r' || c == '\n').count();
        long crLfInBytes = 0;
        for (byte b : encoded) {
            if (b == '\r' || b == '\n') {
                crLfInBytes++;
            }
        }
        assertThat(crLfInBytes).as("CR/LF bytes in %s", charset).isEqualTo(crLfInText);
        for (String line : text.split("\r\n|\r|\n", -1)) {
            assertThat(new String(line.getBytes(charset), charset)).isEqualTo(line);
        }
    }
}
