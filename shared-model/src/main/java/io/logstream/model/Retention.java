package io.logstream.model;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Retention per service and level, and which records it lets a read see (docs/retention.md). Both services hold it:
 * the consumer writes each record's {@code expiresAt} from the rules in force, and every read, of records and of
 * counts alike, hides what the rules have expired, by the same function of the record's service, level and minute.
 * So a volume never counts what a read cannot return, whatever DynamoDB's TTL has or has not removed yet.
 * <ul>
 *   <li>Rules: {@code checkout:DEBUG=3d audit=365d *:TRACE=1d default=30d} (commas or spaces between them). The most
 *   specific one holds: service and level, service, any service ({@code *}) and level, then the default. {@code 0d}
 *   keeps for ever.</li>
 *   <li>A record of minute E (its count minute's end) is visible while {@code E + days > now}: its whole minute and the
 *   minute's count expire together.</li>
 *   <li>When the rules change, the rules before stay in {@link #history} until their successor's job has rewritten the
 *   existing records' {@code expiresAt} ({@code until} null while it runs): what a former rule set expired before it
 *   stopped holding stays hidden, so a lengthened rule never shows a record that DynamoDB may already have removed,
 *   and a shortened one hides at once.</li>
 * </ul>
 */
public final class Retention {
    public static final long DAY_MILLIS = 86_400_000L;
    /** Former rule sets kept; an older one is forgotten. */
    public static final int HISTORY = 20;

    /** One rule: {@code service} null for the default, {@code "*"} for any; {@code level} null for every level. */
    public record Rule(String service, LogLevel level, int days) {
        String text() {
            String key = service == null ? "default" : level == null ? service : service + ":" + level.name();
            return key + "=" + days + "d";
        }
    }

    /** A set of rules; a service and level no rule names keeps {@code defaultDays} (0: for ever). */
    public record RuleSet(List<Rule> rules, int defaultDays) {
        public RuleSet {
            rules = List.copyOf(rules);
        }

        /**
         * Parses rules; a rule set without {@code default=} keeps {@code fallbackDefault} days by default.
         *
         * @throws IllegalArgumentException naming every rule that is wrong and why
         */
        public static RuleSet parse(String text, int fallbackDefault) {
            List<Rule> rules = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            Integer defaultDays = null;
            for (String entry : (text == null ? "" : text).trim().split("[,\\s]+")) {
                if (entry.isEmpty()) {
                    continue;
                }
                int eq = entry.indexOf('=');
                if (eq <= 0) {
                    problems.add("'" + entry + "': expected service[:LEVEL]=<days>d");
                    continue;
                }
                String key = entry.substring(0, eq);
                Integer days = days(entry.substring(eq + 1));
                if (days == null) {
                    problems.add("'" + entry + "': the retention must be whole days, such as 30d (0d keeps for ever), "
                            + "at most 36500d");
                    continue;
                }
                if (key.equals("default")) {
                    defaultDays = days;
                    continue;
                }
                int colon = key.indexOf(':');
                String service = colon < 0 ? key : key.substring(0, colon);
                LogLevel level = null;
                if (colon >= 0) {
                    try {
                        level = LogLevel.valueOf(key.substring(colon + 1).toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        problems.add("'" + entry + "': no such level; one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL");
                        continue;
                    }
                }
                if (!service.equals("*") && !LogKeys.isValidName(service)) {
                    problems.add("'" + entry + "': not a service name (letters, digits, '.', '_', '-') or *");
                    continue;
                }
                if (service.equals("*") && level == null) {
                    problems.add("'" + entry + "': a rule for every service is default=<days>d");
                    continue;
                }
                LogLevel named = level;
                if (rules.stream().anyMatch(r -> r.service().equals(service) && r.level() == named)) {
                    problems.add("'" + entry + "': a second rule for " + key);
                    continue;
                }
                rules.add(new Rule(service, level, days));
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            return new RuleSet(rules, defaultDays == null ? fallbackDefault : defaultDays);
        }

        private static Integer days(String text) {
            String digits = text.endsWith("d") ? text.substring(0, text.length() - 1) : text;
            if (!digits.matches("\\d{1,5}")) {
                return null;
            }
            int days = Integer.parseInt(digits);
            return days > 36_500 ? null : days;
        }

        /** The days a record of {@code service} at {@code level} is kept; 0 for ever. */
        public int days(String service, LogLevel level) {
            Rule byService = null;
            Rule anyService = null;
            for (Rule rule : rules) {
                if (rule.service().equals(service)) {
                    if (rule.level() == level) {
                        return rule.days();
                    }
                    if (rule.level() == null) {
                        byService = rule;
                    }
                } else if (rule.service().equals("*") && rule.level() == level) {
                    anyService = rule;
                }
            }
            return byService != null ? byService.days() : anyService != null ? anyService.days() : defaultDays;
        }

        /** Whether every rule and the default keep for ever. */
        boolean keepsForEver() {
            return defaultDays == 0 && rules.stream().allMatch(rule -> rule.days() == 0);
        }

        /** The longest any level of the service is kept; 0 when some level is kept for ever. */
        public int maxDays(String service) {
            int max = 0;
            for (LogLevel level : LogLevel.values()) {
                int days = days(service, level);
                if (days == 0) {
                    return 0;
                }
                max = Math.max(max, days);
            }
            return max;
        }

        /** The rules as they are written, the default last. */
        public String text() {
            List<String> parts = new ArrayList<>();
            rules.forEach(rule -> parts.add(rule.text()));
            parts.add("default=" + defaultDays + "d");
            return String.join(" ", parts);
        }
    }

    /** A former rule set and when it stopped holding; {@code until} null while its successor's job runs. */
    public record Past(RuleSet rules, Long until) {
    }

    private final RuleSet current;
    private final long changedAt;
    private final List<Past> history;
    private final boolean expiresNothing;

    public Retention(RuleSet current, long changedAt, List<Past> history) {
        this.current = current;
        this.changedAt = changedAt;
        this.history = List.copyOf(history);
        this.expiresNothing = current.keepsForEver() && history.stream().allMatch(p -> p.rules().keepsForEver());
    }

    /** Whether no rule, now or in the history, expires anything: reads need not look at a record to keep it. */
    public boolean expiresNothing() {
        return expiresNothing;
    }

    /** Rules set in configuration only: no history. */
    public static Retention of(RuleSet rules) {
        return new Retention(rules, 0, List.of());
    }

    public RuleSet current() {
        return current;
    }

    public long changedAt() {
        return changedAt;
    }

    public List<Past> history() {
        return history;
    }

    /** Whether the job that applies the current rules to the records stored before them is still to finish. */
    public boolean jobPending() {
        return !history.isEmpty() && history.get(history.size() - 1).until() == null;
    }

    /** Whether a read may see records (and counts) of {@code service} at {@code level} of the minute ending at E. */
    public boolean visible(String service, LogLevel level, long minuteEnd, long now) {
        if (!alive(current.days(service, level), minuteEnd, now)) {
            return false;
        }
        for (Past past : history) {
            if (!alive(past.rules().days(service, level), minuteEnd, past.until() == null ? now : past.until())) {
                return false;
            }
        }
        return true;
    }

    private static boolean alive(int days, long minuteEnd, long at) {
        return days == 0 || minuteEnd + days * DAY_MILLIS > at;
    }

    /** A record's TTL (epoch seconds) under the current rules: its minute's end plus its days; null for ever. */
    public Long expiresAt(String service, LogLevel level, long ts) {
        int days = current.days(service, level);
        return days == 0 ? null : (Counts.minuteEnd(ts) + days * DAY_MILLIS) / 1000;
    }

    /** A level count item's TTL: its last minute plus the longest its service keeps any level; null for ever. */
    public Long countExpiresAt(String service, long blockEnd) {
        int days = current.maxDays(service);
        return days == 0 ? null : (blockEnd + days * DAY_MILLIS) / 1000;
    }

    /** The rules as the retention item stores them ({@link LedgerKeys#RETENTION_PK}). */
    public Map<String, AttributeValue> toItem() {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(LogKeys.PK, AttributeValue.fromS(LedgerKeys.RETENTION_PK));
        item.put(LogKeys.SK, AttributeValue.fromS(LedgerKeys.RETENTION_SK));
        item.put("rules", AttributeValue.fromS(current.text()));
        item.put("changedAt", AttributeValue.fromN(Long.toString(changedAt)));
        List<AttributeValue> past = new ArrayList<>();
        for (Past p : history) {
            Map<String, AttributeValue> entry = new HashMap<>();
            entry.put("rules", AttributeValue.fromS(p.rules().text()));
            entry.put("until", p.until() == null ? AttributeValue.fromNul(true)
                    : AttributeValue.fromN(Long.toString(p.until())));
            past.add(AttributeValue.fromM(entry));
        }
        item.put("history", AttributeValue.fromL(past));
        return item;
    }

    /** The retention item's rules, or {@code configured} when there is no item. */
    public static Retention fromItem(Map<String, AttributeValue> item, RuleSet configured) {
        if (item == null || item.isEmpty()) {
            return of(configured);
        }
        List<Past> history = new ArrayList<>();
        AttributeValue past = item.get("history");
        if (past != null && past.hasL()) {
            for (AttributeValue entry : past.l()) {
                AttributeValue until = entry.m().get("until");
                history.add(new Past(RuleSet.parse(entry.m().get("rules").s(), 0),
                        until == null || until.n() == null ? null : Long.parseLong(until.n())));
            }
        }
        return new Retention(RuleSet.parse(item.get("rules").s(), 0), Long.parseLong(item.get("changedAt").n()),
                history);
    }

    /** These rules replaced by {@code next} at {@code at}: the current ones join the history until the job is done. */
    public Retention changedTo(RuleSet next, long at) {
        List<Past> past = new ArrayList<>(history);
        past.add(new Past(current, null));
        while (past.size() > HISTORY) {
            past.remove(0);
        }
        return new Retention(next, at, past);
    }

    /** The job for the current rules finished at {@code at}: the rules before stopped holding then. */
    public Retention jobDone(long at) {
        List<Past> past = new ArrayList<>();
        for (Past p : history) {
            past.add(p.until() == null ? new Past(p.rules(), at) : p);
        }
        return new Retention(current, changedAt, past);
    }
}
