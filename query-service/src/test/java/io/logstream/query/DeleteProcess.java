package io.logstream.query;

import io.logstream.query.retention.DeleteProcessor;
import io.micronaut.context.ApplicationContext;

import java.io.FileReader;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A query-service delete processor in a process of its own, for the test that kills it with SIGKILL mid-delete: it
 * starts processing the due request, says so, and goes on until it is killed. Argument: a properties file.
 */
public final class DeleteProcess {
    private DeleteProcess() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Properties properties = new Properties();
        try (FileReader reader = new FileReader(args[0])) {
            properties.load(reader);
        }
        Map<String, Object> settings = new HashMap<>();
        properties.forEach((k, v) -> settings.put(k.toString(), v));
        try {
            ApplicationContext context = ApplicationContext.run(settings);
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
