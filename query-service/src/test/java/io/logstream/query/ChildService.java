package io.logstream.query;

import io.micronaut.context.ApplicationContext;

import java.io.FileReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A part of query-service in a JVM of its own, for the tests that kill it with SIGKILL: the parent writes the
 * settings to a properties file and starts {@code main} on this JVM's class path with the local engines' credentials;
 * the child reads them back into its application context.
 */
final class ChildService {
    private ChildService() {
    }

    /** Starts {@code main} with {@code properties} (written to {@code settings}) and then {@code args}. */
    static ProcessBuilder command(Class<?> main, Map<String, String> properties, Path settings, String... args)
            throws IOException {
        StringBuilder text = new StringBuilder();
        properties.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(settings, text);
        String javaBinary = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(javaBinary, "-cp", System.getProperty("java.class.path")));
        System.getProperties().forEach((k, v) -> { // the local engines' credentials, as this JVM has them
            if (k.toString().startsWith("aws.")) {
                command.add("-D" + k + "=" + v);
            }
        });
        command.add(main.getName());
        command.add(settings.toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    /** In the child: the application context of the settings file the parent wrote. */
    static ApplicationContext context(String settings) throws IOException {
        Properties properties = new Properties();
        try (FileReader reader = new FileReader(settings)) {
            properties.load(reader);
        }
        Map<String, Object> values = new HashMap<>();
        properties.forEach((k, v) -> values.put(k.toString(), v));
        return ApplicationContext.run(values);
    }
}
