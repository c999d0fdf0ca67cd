package io.logstream.query.health;

import io.logstream.query.config.QuerySettings;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.AbstractHealthIndicator;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.LinkedHashMap;
import java.util.Map;

/** Ready only while the logs table answers DescribeTable. */
@Singleton
@Readiness
public class DynamoDbHealthIndicator extends AbstractHealthIndicator<Map<String, Object>> {
    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbHealthIndicator(DynamoDbClient dynamoDb, QuerySettings settings) {
        this.dynamoDb = dynamoDb;
        this.table = settings.table();
    }

    @Override
    protected Map<String, Object> getHealthInformation() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("table", table);
        try {
            details.put("tableStatus", dynamoDb.describeTable(b -> b.tableName(table)).table().tableStatusAsString());
            healthStatus = HealthStatus.UP;
        } catch (SdkException e) {
            details.put("error", e.getMessage());
            healthStatus = HealthStatus.DOWN;
        }
        return details;
    }

    @Override
    protected String getName() {
        return "dynamodb";
    }
}
