package io.logstream.query;

import io.logstream.query.rules.RuleEvaluator;
import io.logstream.query.rules.RuleGroups;
import io.logstream.query.rules.Rules;
import io.micronaut.context.ApplicationContext;

import java.io.IOException;
import java.time.Instant;

/**
 * A query-service rule evaluator in a process of its own, for the test that kills it with SIGKILL: it evaluates one
 * group once at the instant given, says what it committed, and then waits to be killed.
 * Arguments: a properties file, the group's name, the instant in epoch millis.
 */
public final class EvaluatorProcess {
    private EvaluatorProcess() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        try {
            ApplicationContext context = ChildService.context(args[0]);
            RuleGroups.Group group = context.getBean(Rules.class).all().stream()
                    .filter(g -> g.name().equals(args[1])).findFirst().orElseThrow();
            RuleEvaluator evaluator = context.getBean(RuleEvaluator.class);
            evaluator.evaluate(group, Instant.ofEpochMilli(Long.parseLong(args[2])));
            System.out.println("evaluated " + evaluator.state(group, 0).state());
            System.out.flush();
        } catch (RuntimeException e) {
            e.printStackTrace(System.out);
            System.out.println("failed " + e);
            System.exit(1);
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
