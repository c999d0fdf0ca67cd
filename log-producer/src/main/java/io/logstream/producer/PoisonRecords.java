package io.logstream.producer;

import java.nio.charset.StandardCharsets;

/**
 * The poison records the producer and the chaos run send: one of each kind the consumer must dead-letter, each payload
 * unique by its number {@code n}, so that it can be found again in the dead letters.
 */
public final class PoisonRecords {
    /** How many kinds there are: broken JSON, no service, an unknown level, not an object, not UTF-8. */
    public static final int KINDS = 5;

    private PoisonRecords() {
    }

    /** Poison of kind {@code kind % KINDS} for {@code service}, numbered {@code n}. */
    public static byte[] of(String service, long n, int kind) {
        String text = switch (Math.floorMod(kind, KINDS)) {
            case 0 -> "{\"service\":\"" + service + "\",\"message\":\"truncated " + n;
            case 1 -> "{\"level\":\"INFO\",\"message\":\"no service " + n + "\"}";
            case 2 -> "{\"service\":\"" + service + "\",\"level\":\"LOUD\",\"message\":\"bad level " + n + "\"}";
            case 3 -> "[" + n + "]";
            default -> null;
        };
        if (text != null) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        byte[] number = ("{\"service\":\"" + service + "\",\"message\":\"not UTF-8 " + n + " ")
                .getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[number.length + 4];
        System.arraycopy(number, 0, bytes, 0, number.length);
        bytes[number.length] = (byte) 0xC3; // a lead byte followed by no continuation byte
        bytes[number.length + 1] = (byte) 0x28;
        bytes[number.length + 2] = '"';
        bytes[number.length + 3] = '}';
        return bytes;
    }
}
