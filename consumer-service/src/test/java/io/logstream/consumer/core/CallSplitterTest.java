package io.logstream.consumer.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CallSplitterTest {
    @Test
    void callsStayWithinTheEntryAndByteLimitsInOrder() {
        List<Integer> sizes = List.of(100, 100, 100, 250, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 600);
        List<List<Integer>> calls = CallSplitter.split(sizes, 10, 300, Integer::intValue);
        assertThat(calls).containsExactly(List.of(100, 100, 100), List.of(250, 10, 10, 10, 10, 10),
                List.of(10, 10, 10, 10, 10), List.of(600));
        assertThat(calls.stream().flatMap(List::stream).toList()).isEqualTo(sizes);
    }

    @Test
    void aFullCallOfSmallEntriesStopsAtTheEntryLimit() {
        assertThat(CallSplitter.split(java.util.Collections.nCopies(25, 1), 10, 1000, Integer::intValue))
                .extracting(List::size).containsExactly(10, 10, 5);
    }
}
