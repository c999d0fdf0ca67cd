output "stream_name" {
  description = "KINESIS_STREAM"
  value       = aws_kinesis_stream.logs.name
}

output "logs_table" {
  description = "DDB_TABLE"
  value       = aws_dynamodb_table.logs.name
}

output "lease_table" {
  description = "KCL_APP_NAME (the lease table's name)"
  value       = aws_dynamodb_table.leases.name
}

output "dlq_url" {
  description = "DLQ_QUEUE_URL"
  value       = aws_sqs_queue.dlq.url
}

output "alerts_topic_arn" {
  description = "SNS topic receiving LogError events and alarms"
  value       = aws_sns_topic.alerts.arn
}

output "consumer_role_arn" {
  description = "IAM role of the consumer (also usable for IRSA with a matching trust policy)"
  value       = aws_iam_role.consumer.arn
}

output "consumer_instance_ids" {
  description = "Consumer instances; connect with: aws ssm start-session --target <id>"
  value       = aws_instance.consumer[*].id
}

output "service_environment" {
  description = "Environment for consumer-service and query-service"
  value = {
    AWS_REGION     = var.region
    KINESIS_STREAM = aws_kinesis_stream.logs.name
    KCL_APP_NAME   = aws_dynamodb_table.leases.name
    KCL_RETRIEVAL  = var.kcl_retrieval
    DDB_TABLE      = aws_dynamodb_table.logs.name
    EVENT_BUS      = "default"
    DLQ_QUEUE_URL  = aws_sqs_queue.dlq.url
    # query-service refuses to start without QUERY_AUTH; "none" only when no identity provider is configured
    QUERY_AUTH           = var.query_jwks_url == "" ? "none" : "jwt"
    QUERY_JWKS_URL       = var.query_jwks_url
    QUERY_JWT_ISSUER     = var.query_jwt_issuer
    QUERY_JWT_AUDIENCE   = var.query_jwt_audience
    QUERY_SERVICES_CLAIM = var.query_services_claim
    # query-service's alerting rules publish AlertFiring/AlertResolved here (docs/rules.md)
    LOG_STREAM_RULES_EVENT_BUS = "default"
  }
}

output "query_policy_arn" {
  description = "IAM policy for query-service's role (reads, the rules' partitions, AlertFiring events)"
  value       = aws_iam_policy.query.arn
}

output "delete_job_policy_arn" {
  description = "IAM policy for the query-service replicas that run the delete and retention jobs (docs/retention.md)."
  value       = aws_iam_policy.delete_job.arn
}
