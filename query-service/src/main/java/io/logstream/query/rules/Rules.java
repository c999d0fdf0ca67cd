package io.logstream.query.rules;

import io.logstream.query.logql.LogQl;
import io.logstream.query.loki.SelectorReader;
import io.logstream.query.security.ServiceAccess;
import io.logstream.query.store.RuleGroupTable;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rule groups this instance serves:
 * <ul>
 *   <li>those of the file {@code log-stream.rules.file} (a Prometheus/Loki rule file; its name without extension is the
 *   namespace, read-only through the API), read once at start-up. A file that fails its checks stops the service from
 *   starting, naming every problem, as Prometheus refuses a bad rule file;</li>
 *   <li>those written through the ruler API ({@link RuleGroupTable}), which every replica reads again every
 *   {@code log-stream.rules.refresh} (10 s) and at once after a write of its own.</li>
 * </ul>
 */
@Singleton
public class Rules {
    private static final Logger LOG = LoggerFactory.getLogger(Rules.class);
    private final List<RuleGroups.Group> fileGroups;
    private final String fileNamespace;
    private final ServiceAccess access;
    private final RuleGroupTable table;
    private final Clock clock;
    private final Duration refresh;
    private volatile List<RuleGroups.Group> stored;
    private volatile Instant storedAt = Instant.MIN;

    public Rules(@Value("${log-stream.rules.file:}") String file,
                 @Value("${log-stream.rules.refresh:10s}") Duration refresh, ServiceAccess access,
                 RuleGroupTable table, Clock clock) {
        this.access = access;
        this.table = table;
        this.clock = clock;
        this.refresh = refresh;
        boolean none = file == null || file.isBlank();
        this.fileNamespace = none ? null : namespaceOf(Path.of(file));
        this.fileGroups = none ? List.of() : load(Path.of(file));
    }

    private static String namespaceOf(Path file) {
        return file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    }

    private static List<RuleGroups.Group> load(Path file) {
        try {
            if (Files.size(file) > RuleGroups.MAX_BYTES) {
                throw new RuleGroups.InvalidRules(List.of(file.getFileName() + " is larger than "
                        + RuleGroups.MAX_BYTES + " bytes"));
            }
            return RuleGroups.parse(namespaceOf(file), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the rule file " + file.getFileName(), e);
        }
    }

    /** Every group served: the file's, then the API's. */
    public List<RuleGroups.Group> all() {
        if (stored == null || !clock.instant().isBefore(storedAt.plus(refresh))) {
            try {
                reload();
            } catch (RuntimeException e) {
                LOG.warn("stored rule groups not read: {}", e.getMessage());
                if (stored == null) {
                    stored = List.of();
                }
                storedAt = clock.instant();
            }
        }
        List<RuleGroups.Group> out = new ArrayList<>(fileGroups);
        out.addAll(stored);
        return out;
    }

    /** The rule file's groups only. */
    public List<RuleGroups.Group> fromFile() {
        return fileGroups;
    }

    /** True for the rule file's namespace, which the API may not write. */
    public boolean fileNamespace(String namespace) {
        return namespace.equals(fileNamespace);
    }

    /** Reads the API's groups again. A stored group that no longer parses is skipped, with a warning. */
    public synchronized void reload() {
        List<RuleGroups.Group> groups = new ArrayList<>();
        for (RuleGroupTable.Stored item : table.all()) {
            try {
                groups.add(RuleGroups.parseGroup(item.namespace(), item.yaml()));
            } catch (RuleGroups.InvalidRules e) {
                LOG.warn("stored rule group {}/{} skipped: {}", item.namespace(), item.name(), e.getMessage());
            }
        }
        stored = List.copyOf(groups);
        storedAt = clock.instant();
    }

    /**
     * The groups whose every rule reads only services the caller may read: the services a selector's
     * {@code service} matchers spell out ({@code service="x"}, {@code service=~"x|y"}), or every service when they
     * spell none out.
     */
    public List<RuleGroups.Group> visible(@Nullable Authentication auth) {
        return all().stream().filter(group -> readable(group, auth)).toList();
    }

    /** True if the caller may read every service the group's rules read. */
    public boolean readable(RuleGroups.Group group, @Nullable Authentication auth) {
        return group.rules().stream().allMatch(rule -> services(rule).stream().allMatch(s -> access.allows(auth, s)));
    }

    /** The services a group's rules read, {@code *} standing for every service. */
    public static Set<String> services(RuleGroups.Group group) {
        Set<String> out = new TreeSet<>();
        group.rules().forEach(rule -> out.addAll(services(rule)));
        return out;
    }

    private static Set<String> services(RuleGroups.Rule rule) {
        Set<String> out = new TreeSet<>();
        for (List<LogQl.Matcher> selector : RuleGroups.selectors(rule.parsed())) {
            Set<String> named = SelectorReader.spelledOut(selector.stream()
                    .filter(m -> m.label().equals("service")).toList());
            out.addAll(named == null ? Set.of("*") : named);
        }
        return out;
    }
}
