package io.logstream.consumer;

import io.micronaut.runtime.Micronaut;

/** Entry point of consumer-service: a KCL v3 worker with a management port for health and metrics. */
public final class ConsumerApplication {
    private ConsumerApplication() {
    }

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(ConsumerApplication.class).banner(false).start();
    }
}
