package io.logstream.query;

import io.logstream.localaws.AwsEngines;
import io.logstream.localaws.LocalAws;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;

/** The consumer and the query service on the local engines (no Docker). */
@MicronautTest
class ThroughConsumerIT extends ThroughConsumerCase {
    @Override
    protected AwsEngines engines() {
        return LocalAws.shared();
    }
}
