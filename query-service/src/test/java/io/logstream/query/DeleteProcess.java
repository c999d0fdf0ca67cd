package io.logstream.query;

import io.logstream.query.retention.DeleteProcessor;
import io.micronaut.context.ApplicationContext;

import java.io.IOException;

/**
 * A query-service delete processor in a process of its own, for the test that kills it with SIGKILL mid-delete: it
 * starts processing the due request, says so, and goes on until it is killed. Argument: a properties file.
 */
public final class DeleteProcess {
    private DeleteProcess() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        try {
            ApplicationContext context = ChildService.context(args[0]);
            System.out.println("started");
            System.out.flush();
            context.getBean(DeleteProcessor.class).processDue();
            System.out.println("finished before it was killed");
        } catch (RuntimeException e) {
            e.printStackTrace(System.out);
            System.out.println("failed " + e);
            System.exit(1);
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
