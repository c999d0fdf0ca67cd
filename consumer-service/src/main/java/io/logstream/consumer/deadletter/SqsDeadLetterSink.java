package io.logstream.consumer.deadletter;

import io.logstream.consumer.core.CallSplitter;
import io.logstream.consumer.core.DeadLetterSink;
import io.logstream.consumer.config.DeadLetterSettings;
import io.logstream.consumer.metrics.PipelineMetrics;
import io.logstream.consumer.retry.Retrier;
import io.logstream.model.DeadLetter;
import jakarta.inject.Singleton;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The dead-letter queue on SQS: SendMessageBatch of at most 10 messages and 256 KB, failed entries resent until
 * delivered. Each message carries the reason also as a message attribute, for filtering without parsing bodies.
 */
@Singleton
public class SqsDeadLetterSink implements DeadLetterSink {
    static final int MAX_ENTRIES = 10;
    static final int MAX_REQUEST_BYTES = 256 * 1024;
    private static final String DEPENDENCY = "sqs";

    private final SqsClient sqs;
    private final String queueUrl;
    private final Retrier retrier;
    private final PipelineMetrics metrics;

    public SqsDeadLetterSink(SqsClient sqs, DeadLetterSettings settings, Retrier retrier, PipelineMetrics metrics) {
        this.sqs = sqs;
        this.queueUrl = settings.queueUrl();
        this.retrier = retrier;
        this.metrics = metrics;
    }

    @Override
    public void send(List<DeadLetter> deadLetters) {
        List<Message> messages = deadLetters.stream().map(letter -> new Message(letter, letter.toJson())).toList();
        for (List<Message> call : CallSplitter.split(messages, MAX_ENTRIES, MAX_REQUEST_BYTES, Message::size)) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (Message message : call) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(entries.size()))
                        .messageBody(message.body()).messageAttributes(Map.of("reason", MessageAttributeValue.builder()
                                .dataType("String").stringValue(message.letter().reason()).build())).build());
            }
            sendCall(entries);
        }
        deadLetters.stream().collect(Collectors.groupingBy(DeadLetter::reason, LinkedHashMap::new, Collectors.counting()))
                .forEach((reason, count) -> metrics.deadLettered(reason, count.intValue()));
    }

    /** A dead letter and its body; its size counts the body and a margin for the attributes. */
    private record Message(DeadLetter letter, String body) {
        int size() {
            return body.getBytes(StandardCharsets.UTF_8).length + 64;
        }
    }

    private void sendCall(List<SendMessageBatchRequestEntry> call) {
        retrier.resend(DEPENDENCY, call, pending -> {
            Set<String> failedIds = sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(queueUrl)
                    .entries(pending).build()).failed().stream().map(f -> f.id()).collect(Collectors.toSet());
            return pending.stream().filter(entry -> failedIds.contains(entry.id())).toList();
        }, SdkException.class::isInstance, 0);
    }
}
