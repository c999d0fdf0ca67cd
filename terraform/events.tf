resource "aws_sns_topic" "alerts" {
  name              = "${var.name}-alerts"
  kms_master_key_id = aws_kms_key.main.id
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alert_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

resource "aws_sns_topic_policy" "alerts" {
  arn = aws_sns_topic.alerts.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EventBridgeAndAlarmsPublish"
      Effect    = "Allow"
      Principal = { Service = ["events.amazonaws.com", "cloudwatch.amazonaws.com"] }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.alerts.arn
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_cloudwatch_event_rule" "log_error" {
  name           = "${var.name}-log-error"
  description    = "LogError events raised by the log-stream consumer for ERROR and FATAL records"
  event_bus_name = "default"
  # the LocalStack suite puts this same file as its rule's pattern and asserts what it routes
  event_pattern = file("${path.module}/event-patterns/log-error.json")
}

resource "aws_cloudwatch_event_target" "log_error_to_sns" {
  rule      = aws_cloudwatch_event_rule.log_error.name
  target_id = "sns"
  arn       = aws_sns_topic.alerts.arn
}

resource "aws_cloudwatch_event_rule" "alert_firing" {
  name           = "${var.name}-alert-firing"
  description    = "AlertFiring and AlertResolved events of query-service's alerting rules (docs/rules.md)"
  event_bus_name = "default"
  event_pattern  = file("${path.module}/event-patterns/alert-firing.json")
}

resource "aws_cloudwatch_event_target" "alert_firing_to_sns" {
  rule      = aws_cloudwatch_event_rule.alert_firing.name
  target_id = "sns"
  arn       = aws_sns_topic.alerts.arn
}

resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  alarm_name          = "${var.name}-consumer-lag"
  alarm_description   = "The consumer is falling behind the stream (GetRecords.IteratorAgeMilliseconds)."
  namespace           = "AWS/Kinesis"
  metric_name         = "GetRecords.IteratorAgeMilliseconds"
  dimensions          = { StreamName = aws_kinesis_stream.logs.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = var.lag_alarm_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name}-dead-letters"
  alarm_description   = "Poison records are waiting in the dead-letter queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_metric_alarm" "alert_failures" {
  alarm_name          = "${var.name}-alert-failures"
  alarm_description   = "The LogError rule failed to deliver to SNS. (Events the consumer itself gave up on are dead-lettered as alert-undelivered, which the dead-letter alarm catches.)"
  namespace           = "AWS/Events"
  metric_name         = "FailedInvocations"
  dimensions          = { RuleName = aws_cloudwatch_event_rule.log_error.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}
