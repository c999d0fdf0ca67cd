package io.logstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logstream.localaws.LocalAws;
import io.logstream.localaws.LocalIdentity;
import io.logstream.model.Counts;
import io.logstream.model.LedgerKeys;
import io.logstream.model.LogItemMapper;
import io.logstream.model.LogKeys;
import io.logstream.model.LogLevel;
import io.logstream.model.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cost of rules: 1,000 alerting rules over 50 services (one group of 20 per service, every minute), evaluated by
 * query-service in its own JVM on DynamoDB Local, against the same service with no rules over the same window:
 * <ul>
 *   <li>18 rules a group are thresholds on a service's error count over 5 minutes, which the counts answer; 2 count
 *   a line filter's matches per host over a minute, which only the records answer;</li>
 *   <li>figures: the CPU of each service over the window as a share of one core, evaluations, DynamoDB pages
 *   (Query calls) read by the evaluations, rule-state reads and writes, each per evaluation round (every group once);</li>
 *   <li>correctness first: every rule of one group is firing exactly when the records say its threshold is passed at
 *   the group's last evaluation instant.</li>
 * </ul>
 * Writes {@code benchmarks/results/rules.txt}. Usage: {@code scripts/bench-rules.sh [window seconds=180]}.
 */
public final class RulesBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("bench");
    private static final String TABLE = "bench-rules";
    private static final int SERVICES = 50;
    private static final int RULES_PER_GROUP = 20;
    private static final int COUNTED = 18;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private RulesBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
        System.exit(0); // the in-process engines leave a non-daemon thread behind
    }

    private static String service(int i) {
        return String.format(Locale.ROOT, "s%02d", i);
    }

    private static void run(String[] args) throws Exception {
        int window = args.length > 0 ? Integer.parseInt(args[0]) : 180;
        Path root = Path.of(System.getProperty("logstream.root", "."));
        Path results = root.resolve("benchmarks/results");
        Files.createDirectories(results);
        long now = System.currentTimeMillis();
        List<LogRecord> records = new ArrayList<>();
        for (int s = 0; s < SERVICES; s++) { // a record every 2 s per service, from 15 minutes ago to 15 minutes ahead
            int n = 0;
            for (long ts = now - 900_000 + s * 37; ts < now + 900_000; ts += 2_000, n++) {
                LogLevel level = n % 10 == 0 ? LogLevel.ERROR : LogLevel.INFO;
                records.add(new LogRecord(service(s), level, (n % 13 == 0 ? "timeout " : "ok ") + n, ts,
                        "r-" + s + "-" + n, null, "h-" + (n % 3), Map.of(), null));
            }
        }
        StringBuilder file = new StringBuilder("groups:\n");
        for (int s = 0; s < SERVICES; s++) {
            file.append("  - name: ").append(service(s)).append("\n    interval: 1m\n    rules:\n");
            for (int j = 0; j < RULES_PER_GROUP; j++) {
                String expr = j < COUNTED
                        ? "sum by (service) (count_over_time({service=\"" + service(s) + "\", level=\"ERROR\"}[5m])) > " + j
                        : "sum by (host) (count_over_time({service=\"" + service(s) + "\"} |= \"timeout\" [1m])) > " + (j - COUNTED);
                file.append("      - alert: R").append(j).append("\n        expr: '").append(expr).append("'\n");
            }
        }
        Path rulesFile = results.resolve("rules-bench.yaml");
        Files.writeString(rulesFile, file);
        try (LocalAws aws = LocalAws.start(); LocalIdentity identity = LocalIdentity.start()) {
            aws.createLogsTable(TABLE);
            seed(aws.dynamoDb(), records);
            LOG.info("seeded {} records", records.size());
            QueryService rules = QueryService.start(root, aws, identity, TABLE, List.of(
                    "-Dlog-stream.rules.file=" + rulesFile), results.resolve("rules-bench-service.log"));
            QueryService idle = QueryService.start(root, aws, identity, TABLE, List.of(),
                    results.resolve("rules-bench-idle.log"));
            try {
                URI base = URI.create("http://127.0.0.1:" + rules.port());
                // the first round (every group taken and evaluated once) warms the service; the window starts after
                await(base, SERVICES * RULES_PER_GROUP);
                Map<String, Double> before = metrics(base);
                Duration cpuRules = CpuMeter.cpu(rules.process().toHandle());
                Duration cpuIdle = CpuMeter.cpu(idle.process().toHandle());
                long t0 = System.nanoTime();
                Thread.sleep(window * 1000L);
                double seconds = (System.nanoTime() - t0) / 1e9;
                double rulesCore = (CpuMeter.cpu(rules.process().toHandle()).minus(cpuRules).toNanos() / 1e9) / seconds;
                double idleCore = (CpuMeter.cpu(idle.process().toHandle()).minus(cpuIdle).toNanos() / 1e9) / seconds;
                Map<String, Double> after = metrics(base);
                String token = identity.token("bench", LocalIdentity.ALL_SERVICES);
                int checked = check(base, token, records);
                double evaluations = delta(before, after, "logstream_rules_evaluations_total");
                double rounds = evaluations / (SERVICES * RULES_PER_GROUP);
                String report = String.format(Locale.ROOT, """
                        rules benchmark: %d alerting rules over %d services (%d groups of %d, every minute), %d records
                        window: %.0f s; evaluation rounds in it: %.2f (%.0f rule evaluations)
                        checked: %d rules of group s00 firing exactly as the records say at its last evaluation
                        query-service with the rules: %.1f %% of one core
                        the same service, no rules (baseline, same window): %.1f %% of one core
                        the rules' own cost: %.1f %% of one core (goal: within 10 %%)
                        per round: %.0f DynamoDB Query pages read by evaluations (%.2f a rule), %.0f rule-state reads (GetItem), %.0f rule-state writes (UpdateItem)
                        """, SERVICES * RULES_PER_GROUP, SERVICES, SERVICES, RULES_PER_GROUP, records.size(), seconds,
                        rounds, evaluations, checked, rulesCore * 100, idleCore * 100, (rulesCore - idleCore) * 100,
                        delta(before, after, "logstream_rules_read_pages_total") / rounds,
                        delta(before, after, "logstream_rules_read_pages_total") / evaluations,
                        delta(before, after, "logstream_rules_state_reads_total") / rounds,
                        delta(before, after, "logstream_rules_state_writes_total") / rounds);
                System.out.print(report);
                Files.writeString(results.resolve("rules.txt"), report);
            } finally {
                for (QueryService service : List.of(rules, idle)) {
                    service.process().destroy();
                    service.process().waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static void seed(DynamoDbClient dynamoDb, List<LogRecord> records) {
        List<WriteRequest> writes = records.stream().map(r -> WriteRequest.builder().putRequest(PutRequest.builder()
                .item(LogItemMapper.toItem(r, null)).build()).build()).toList();
        for (int i = 0; i < writes.size(); i += 25) {
            Map<String, List<WriteRequest>> pending = Map.of(TABLE, writes.subList(i, Math.min(i + 25, writes.size())));
            while (!pending.isEmpty()) {
                Map<String, List<WriteRequest>> call = pending;
                pending = dynamoDb.batchWriteItem(b -> b.requestItems(call)).unprocessedItems();
            }
        }
        Map<String, List<LogRecord>> byService = new TreeMap<>();
        records.forEach(r -> byService.computeIfAbsent(r.service(), k -> new ArrayList<>()).add(r));
        byService.forEach((service, of) -> Counts.items(service, of, Counts.position("1", 0), "shardId-000000000000")
                .forEach(item -> dynamoDb.putItem(b -> b.tableName(TABLE).item(item))));
        long until = System.currentTimeMillis() + 7_200_000;
        dynamoDb.putItem(b -> b.tableName(TABLE).item(Map.of(
                LogKeys.PK, AttributeValue.fromS(LedgerKeys.watermarkPk("log-stream")),
                LogKeys.SK, AttributeValue.fromS("shardId-000000000000"),
                LedgerKeys.COMPLETE_UNTIL, AttributeValue.fromN(Long.toString(until)),
                LedgerKeys.COUNTED_UNTIL, AttributeValue.fromN(Long.toString(until)))));
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(?:\\{[^}]*})? ([0-9.eE+-]+)$", Pattern.MULTILINE);

    /** The service's logstream_rules_* meters, summed over their tags. */
    private static Map<String, Double> metrics(URI base) throws Exception {
        String text = HTTP.send(HttpRequest.newBuilder(base.resolve("/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> out = new TreeMap<>();
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) {
            if (m.group(1).startsWith("logstream_rules_")) {
                out.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
            }
        }
        return out;
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
        return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
    }

    private static void await(URI base, int evaluations) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (metrics(base).getOrDefault("logstream_rules_evaluations_total", 0.0) < evaluations) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the rules were not evaluated within 5 minutes: " + metrics(base));
            }
            Thread.sleep(1_000);
        }
    }

    /** Group s00's rules: firing exactly when the records pass each threshold at its last evaluation. */
    private static int check(URI base, String token, List<LogRecord> records) throws Exception {
        JsonNode groups = JSON.readTree(HTTP.send(HttpRequest.newBuilder(base.resolve("/prometheus/api/v1/rules"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body())
                .path("data").path("groups");
        for (JsonNode group : groups) {
            if (!group.path("name").asText().equals(service(0))) {
                continue;
            }
            int checked = 0;
            for (JsonNode rule : group.path("rules")) {
                int j = Integer.parseInt(rule.path("name").asText().substring(1));
                long at = Instant.parse(rule.path("lastEvaluation").asText()).toEpochMilli();
                boolean firing;
                if (j < COUNTED) {
                    long errors = records.stream().filter(r -> r.service().equals(service(0))
                            && r.level() == LogLevel.ERROR && r.ts() > at - 300_000 && r.ts() <= at).count();
                    firing = errors > j;
                } else {
                    Map<String, Long> byHost = new TreeMap<>();
                    records.stream().filter(r -> r.service().equals(service(0)) && r.message().contains("timeout")
                            && r.ts() > at - 60_000 && r.ts() <= at).forEach(r -> byHost.merge(r.host(), 1L, Long::sum));
                    firing = byHost.values().stream().anyMatch(n -> n > j - COUNTED);
                }
                String state = rule.path("state").asText();
                if (!rule.path("health").asText().equals("ok") || firing != state.equals("firing")) {
                    throw new IllegalStateException("rule " + rule.path("name").asText() + " is " + state + " ("
                            + rule.path("health").asText() + " " + rule.path("lastError").asText()
                            + "); the records say " + (firing ? "firing" : "inactive") + " at " + Instant.ofEpochMilli(at));
                }
                checked++;
            }
            return checked;
        }
        throw new IllegalStateException("group s00 is not listed");
    }
}
