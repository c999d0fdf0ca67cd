package io.logstream.producer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Realistic log records: several services, mostly INFO with some DEBUG and WARN, ERROR/FATAL at the error ratio,
 * traces, hosts, attributes, padded to a target size; and at the poison ratio a record the consumer must
 * dead-letter ({@link PoisonRecords}).
 */
public final class LogGenerator {
    private static final List<String> SERVICES = List.of("api-gateway", "checkout", "payments", "auth", "search",
            "inventory", "shipping", "notifications", "recommendations", "billing", "users", "catalog");
    private static final String[] INFO = {"request completed", "cache hit", "order accepted", "session refreshed",
            "job finished", "message consumed"};
    private static final String[] ERRORS = {"upstream timeout after 2000 ms", "payment declined by provider",
            "database connection refused", "null reference in handler", "rate limit exceeded"};

    private final Random random;
    private final int services;
    private final double errorRatio;
    private final double poisonRatio;
    private final int recordSize;
    private long sequence;

    public LogGenerator(long seed, int services, double errorRatio, double poisonRatio, int recordSize) {
        if (services < 1 || services > SERVICES.size() * 100) {
            throw new IllegalArgumentException("services must be 1.." + SERVICES.size() * 100);
        }
        this.random = new Random(seed);
        this.services = services;
        this.errorRatio = errorRatio;
        this.poisonRatio = poisonRatio;
        this.recordSize = recordSize;
    }

    public static String serviceName(int index) {
        String base = SERVICES.get(index % SERVICES.size());
        return index < SERVICES.size() ? base : base + "-" + index / SERVICES.size();
    }

    public byte[] next() {
        long n = sequence++;
        if (random.nextDouble() < poisonRatio) {
            return poison(n);
        }
        String service = serviceName(random.nextInt(services));
        double roll = random.nextDouble();
        String level;
        String message;
        if (roll < errorRatio) {
            level = random.nextInt(10) == 0 ? "FATAL" : "ERROR";
            message = ERRORS[random.nextInt(ERRORS.length)];
        } else if (roll < errorRatio + 0.05) {
            level = "WARN";
            message = "slow response from dependency";
        } else if (roll < errorRatio + 0.20) {
            level = "DEBUG";
            message = "state transition " + random.nextInt(100);
        } else {
            level = "INFO";
            message = INFO[random.nextInt(INFO.length)];
        }
        StringBuilder json = new StringBuilder(recordSize + 64);
        json.append("{\"service\":\"").append(service).append("\",\"level\":\"").append(level)
                .append("\",\"message\":\"").append(message).append(" #").append(n)
                .append("\",\"ts\":").append(System.currentTimeMillis())
                .append(",\"traceId\":\"").append(Long.toHexString(random.nextLong()))
                .append("\",\"host\":\"").append(service).append('-').append(random.nextInt(4))
                .append("\",\"attributes\":{\"latencyMs\":").append(random.nextInt(2000))
                .append(",\"status\":").append(level.equals("ERROR") || level.equals("FATAL") ? 500 : 200);
        int padding = recordSize - json.length() - 14;
        if (padding > 0) {
            json.append(",\"pad\":\"").append("x".repeat(padding)).append('"');
        }
        json.append("}}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] poison(long n) {
        return PoisonRecords.of("checkout", n, (int) (n % PoisonRecords.KINDS));
    }
}
