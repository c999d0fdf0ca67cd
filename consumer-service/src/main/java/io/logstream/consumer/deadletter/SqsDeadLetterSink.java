package io.logstream.consumer.deadletter;

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
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

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
        List<SendMessageBatchRequestEntry> call = new ArrayList<>();
        int callBytes = 0;
        for (DeadLetter letter : deadLetters) {
            String body = letter.toJson();
            int size = body.getBytes(StandardCharsets.UTF_8).length + 64;
            if (!call.isEmpty() && (call.size() == MAX_ENTRIES || callBytes + size > MAX_REQUEST_BYTES)) {
                sendCall(call);
                call = new ArrayList<>();
                callBytes = 0;
            }
            call.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(call.size())).messageBody(body)
                    .messageAttributes(Map.of("reason", MessageAttributeValue.builder().dataType("String")
                            .stringValue(letter.reason()).build())).build());
            callBytes += size;
        }
        if (!call.isEmpty()) {
            sendCall(call);
        }
        deadLetters.stream().collect(Collectors.groupingBy(DeadLetter::reason, LinkedHashMap::new, Collectors.counting()))
                .forEach((reason, count) -> metrics.deadLettered(reason, count.intValue()));
    }

    private void sendCall(List<SendMessageBatchRequestEntry> call) {
        List<SendMessageBatchRequestEntry> pending = call;
        Retrier.Loop loop = retrier.loop(DEPENDENCY);
        while (true) {
            try {
                SendMessageBatchResponse response = sqs.sendMessageBatch(SendMessageBatchRequest.builder()
                        .queueUrl(queueUrl).entries(pending).build());
                loop.succeeded();
                Set<String> failedIds = response.failed().stream().map(f -> f.id()).collect(Collectors.toSet());
                if (failedIds.isEmpty()) {
                    return;
                }
                pending = pending.stream().filter(entry -> failedIds.contains(entry.id())).toList();
                loop.partlyDone();
            } catch (SdkException e) {
                loop.failed(e);
            }
        }
    }
}
