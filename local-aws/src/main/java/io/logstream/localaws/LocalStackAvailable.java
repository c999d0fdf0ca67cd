package io.logstream.localaws;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs a LocalStack test class only where it can run: a Docker engine answers and the image is there (or can be
 * pulled). On a developer's machine without them the class is skipped with a message that says what to do. Under
 * CI ({@code CI=true}) nothing is skipped: a missing engine or image fails the class instead.
 */
public final class LocalStackAvailable implements ExecutionCondition {
    private static final String HOW = "Start Docker and build the image with scripts/build-images.sh localstack, or set "
            + "LOCALSTACK_IMAGE=localstack/localstack:4.14.0 on a machine that can pull it (README, \"LocalStack suite\").";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String missing = missing();
        if (missing == null) {
            return ConditionEvaluationResult.enabled("Docker answers and " + LocalStack.image() + " is available");
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("CI runs the LocalStack suite, but " + missing + ". " + HOW);
        }
        return ConditionEvaluationResult.disabled("LocalStack suite skipped: " + missing + ". " + HOW);
    }

    private static String missing() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return "no Docker engine answers";
        }
        String image = LocalStack.image();
        if (image.startsWith("log-stream/")) {
            try {
                DockerClientFactory.instance().client().inspectImageCmd(image).exec();
            } catch (RuntimeException notFound) {
                return "the locally built image " + image + " is not in the Docker engine";
            }
        }
        return null;
    }
}
