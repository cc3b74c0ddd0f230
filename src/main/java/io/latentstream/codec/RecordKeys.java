package io.latentstream.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The entity id a record key stands for, as text. A key is the entity id (the context of a
 * conditional model, the "key" of a score record, what {@code --key} filters on), and producers
 * write it with Kafka's StringSerializer, or with LongSerializer / IntegerSerializer for numeric ids.
 * Decoding a binary key as UTF-8 would replace each invalid byte with U+FFFD, so ids 128 and 129
 * (8-byte longs ending 0x80 and 0x81) would both read as seven NULs and U+FFFD: two entities
 * sharing one context slot and one set of statistics, silently. Text keys stay as they are; any
 * other key is written {@code 0x} and its bytes in hex, one text per byte sequence. A key written by
 * Kafka Connect's JsonConverter with {@code schemas.enable=true} ({@code {"schema":{...},"payload":"pump-7"}},
 * what a source connector's key converter writes by default) is its payload: the text of a string or
 * number, the compact JSON of a struct ({@code {"id":7}}).
 */
public final class RecordKeys {
    private static final HexFormat HEX = HexFormat.of();

    private RecordKeys() {
    }

    /** The key as text: itself when it is UTF-8 without control characters, else "0x" + hex; null for no key. */
    public static String text(byte[] key) {
        if (key == null) {
            return null;
        }
        String text = isPrintableAscii(key)
                ? new String(key, StandardCharsets.ISO_8859_1) // the common case, on the per-record path
                : utf8Text(key);
        if (text == null) {
            return "0x" + HEX.formatHex(key);
        }
        return text.startsWith(CONNECT_PREFIX) ? connectPayload(text) : text;
    }

    private static boolean isPrintableAscii(byte[] key) {
        for (byte b : key) {
            if (b < 0x20 || b == 0x7f) { // negative: a byte >= 0x80, not ASCII
                return false;
            }
        }
        return true;
    }

    /** The key as UTF-8 text without control characters, or null when it is not. */
    private static String utf8Text(byte[] key) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
            return s.codePoints().noneMatch(Character::isISOControl) ? s : null;
        } catch (CharacterCodingException notText) {
            return null;
        }
    }

    private static final String CONNECT_PREFIX = "{\"schema\":";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The payload of a Connect JsonConverter envelope; the key as it is when it is not one. */
    private static String connectPayload(String key) {
        try {
            JsonNode n = JSON.readTree(key);
            if (n.isObject() && n.size() == 2 && n.has("schema") && n.has("payload")) {
                JsonNode payload = n.get("payload");
                if (payload.isValueNode() && !payload.isNull()) {
                    return payload.asText();
                }
                if (payload.isContainerNode()) {
                    return payload.toString();
                }
            }
        } catch (IOException notJson) {
            // a text key that only starts like an envelope
        }
        return key;
    }
}
