package io.logstream.model;

/**
 * Bookkeeping items that share the logs table with the records: the service catalogue and the completeness
 * watermark. Their partition keys start with {@code #}, which the service alphabet ({@link LogKeys#NAME}) does not
 * contain, so no service's {@code Query} ever meets them and no level-index entry is made for them.
 *
 * <ul>
 *   <li>{@code pk = #services}, {@code sk = <service>}: {@value #FIRST_SEEN} and {@value #LAST_SEEN} in epoch millis
 *   (arrival at the consumer), refreshed at most once per service per catalogue interval.</li>
 *   <li>{@code pk = #hosts}, {@code sk = <service>#<host>}: the same for the {@code host} label, per service, so that
 *   a token limited to some services sees only their hosts.</li>
 *   <li>{@code pk = #buckets}, {@code sk = <service>#<13-digit epoch start>}: {@value #BUCKETS}, a hot service's
 *   bucket count from that record time on ({@link Buckets}), with {@value #DECIDED_AT} and {@value #REASON}; written
 *   once, never changed.</li>
 *   <li>{@code pk = #complete#<stream>}, {@code sk = <shardId>}: {@value #COMPLETE_UNTIL}, the Kinesis arrival time in
 *   epoch millis up to which every record of the shard is processed, and {@value #CLOSED} once the shard has ended.
 *   Counting ({@link Counts}) keeps three more there: {@value #COUNTED_UNTIL}, the arrival time up to which every
 *   stored record of the shard is in the count items; {@value #COUNT_OWNER}, the epoch of the shard's counting owner
 *   (raised by each new owner, it fences the previous one out); {@value #COUNT_AT}, the position of the last flush an
 *   owner began.</li>
 *   <li>{@code pk = #rules}, {@code sk = <namespace>#<group>}: a rule group written through query-service's ruler API,
 *   {@value #RULES_YAML} its YAML and {@value #RULES_OWNER} the services its writer's token could read.</li>
 *   <li>{@code pk = #rulestate}, {@code sk = <namespace>#<group>}: a rule group's evaluation state and lease:
 *   {@value #LEASE_OWNER}, {@value #LEASE_UNTIL} (epoch millis), {@value #LEASE_EPOCH} (raised by each new holder, it
 *   fences the previous one out) and {@value #RULE_STATE} (JSON).</li>
 * </ul>
 */
public final class LedgerKeys {
    public static final String SERVICES_PK = "#services";
    public static final String HOSTS_PK = "#hosts";
    public static final String FIRST_SEEN = "firstSeen";
    public static final String LAST_SEEN = "lastSeen";
    public static final String COMPLETE_UNTIL = "completeUntil";
    public static final String CLOSED = "closed";
    public static final String COUNTED_UNTIL = "countedUntil";
    public static final String COUNT_OWNER = "countOwner";
    public static final String COUNT_AT = "countAt";
    public static final String BUCKETS_PK = "#buckets";
    public static final String BUCKETS = "buckets";
    public static final String DECIDED_AT = "decidedAt";
    public static final String REASON = "reason";
    public static final String RULES_PK = "#rules";
    public static final String RULES_YAML = "yaml";
    public static final String RULES_OWNER = "ownerServices";
    public static final String RULE_STATE_PK = "#rulestate";
    public static final String LEASE_OWNER = "leaseOwner";
    public static final String LEASE_UNTIL = "leaseUntil";
    public static final String LEASE_EPOCH = "leaseEpoch";
    public static final String RULE_STATE = "state";
    /** Delete requests (Loki's delete API), one item per request keyed by its id (docs/retention.md). */
    public static final String DELETES_PK = "#deletes";
    /** The audit trail of admin actions: sort key {@code <ISO instant>#<uuid>}. */
    public static final String AUDIT_PK = "#audit";
    /** The retention rules set through the admin API: one item, sort key {@value #RETENTION_SK}. */
    public static final String RETENTION_PK = "#retention";
    public static final String RETENTION_SK = "rules";
    /** Longest host value the catalogue keeps; longer ones are left out of it (still stored on the record). */
    public static final int MAX_HOST_LENGTH = 255;

    private LedgerKeys() {
    }

    public static String watermarkPk(String stream) {
        return "#complete#" + stream;
    }

    /** The catalogue key of a host of a service; the service alphabet has no {@code #}, so the first one splits it. */
    public static String hostKey(String service, String host) {
        return service + '#' + host;
    }

    /** A host catalogue key split back into its service and host. */
    public record HostKey(String service, String host) {
    }

    /** The service and host of a {@link #hostKey}. */
    public static HostKey splitHostKey(String key) {
        int split = key.indexOf('#');
        if (split <= 0) {
            throw new IllegalArgumentException("not a host catalogue key: " + key);
        }
        return new HostKey(key.substring(0, split), key.substring(split + 1));
    }

    /** The bucket-table key of a service's epoch. */
    public static String epochKey(String service, long fromMillis) {
        return service + '#' + LogKeys.padMillis(fromMillis);
    }

    /** The service and epoch start of an {@link #epochKey}. */
    public record EpochKey(String service, long fromMillis) {
    }

    public static EpochKey splitEpochKey(String key) {
        int split = key.lastIndexOf('#');
        if (split <= 0) {
            throw new IllegalArgumentException("not a bucket-table key: " + key);
        }
        return new EpochKey(key.substring(0, split), Long.parseLong(key.substring(split + 1)));
    }

    /** The key of a rule group under {@link #RULES_PK} and {@link #RULE_STATE_PK}; a namespace has no {@code #}. */
    public static String ruleGroupKey(String namespace, String group) {
        return namespace + '#' + group;
    }

    /** True for a bookkeeping item's partition key, never for a service's. */
    public static boolean isBookkeeping(String pk) {
        return pk.startsWith("#");
    }
}
