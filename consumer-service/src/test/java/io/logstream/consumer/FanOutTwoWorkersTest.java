package io.logstream.consumer;

import java.util.Map;

/** {@link TwoWorkersTest} with enhanced fan-out: the split and the hand-over with pushed records. */
class FanOutTwoWorkersTest extends TwoWorkersTest {
    @Override
    Map<String, Object> retrieval() {
        return Map.of("log-stream.kcl.retrieval", "fanout");
    }
}
