package io.logstream.query.rules;

import io.logstream.query.logql.LogQl;
import io.logstream.query.security.ServiceAccess;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The rule groups this instance serves: those of the file {@code log-stream.rules.file} (a Prometheus/Loki rule file;
 * its name without extension is the namespace), read once at start-up. A file that fails its checks stops the
 * service from starting, naming every problem, as Prometheus refuses a bad rule file.
 */
@Singleton
public class Rules {
    private final List<RuleGroups.Group> groups;
    private final ServiceAccess access;

    public Rules(@Value("${log-stream.rules.file:}") String file, ServiceAccess access) {
        this.access = access;
        this.groups = file == null || file.isBlank() ? List.of() : load(Path.of(file));
    }

    private static List<RuleGroups.Group> load(Path file) {
        try {
            if (Files.size(file) > RuleGroups.MAX_BYTES) {
                throw new RuleGroups.InvalidRules(List.of(file.getFileName() + " is larger than "
                        + RuleGroups.MAX_BYTES + " bytes"));
            }
            String name = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
            return RuleGroups.parse(name, Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the rule file " + file.getFileName(), e);
        }
    }

    /** Every group served. */
    public List<RuleGroups.Group> all() {
        return groups;
    }

    /**
     * The groups whose every rule reads only services the caller may read: a selector's {@code service="x"} needs
     * x, any other service matcher every service.
     */
    public List<RuleGroups.Group> visible(@Nullable Authentication auth) {
        return groups.stream().filter(group -> group.rules().stream().allMatch(rule -> readable(rule, auth))).toList();
    }

    private boolean readable(RuleGroups.Rule rule, @Nullable Authentication auth) {
        for (List<LogQl.Matcher> selector : RuleGroups.selectors(rule.parsed())) {
            List<LogQl.Matcher> onService = selector.stream().filter(m -> m.label().equals("service")).toList();
            boolean spelled = onService.stream().anyMatch(m -> m.op() == LogQl.Op.EQ);
            if (spelled) {
                if (onService.stream().filter(m -> m.op() == LogQl.Op.EQ)
                        .anyMatch(m -> !access.allows(auth, m.value()))) {
                    return false;
                }
            } else if (!access.allows(auth, "*")) {
                return false;
            }
        }
        return true;
    }
}
