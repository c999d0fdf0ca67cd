locals {
  kcl_tables = [
    aws_dynamodb_table.leases.arn,
    "${aws_dynamodb_table.leases.arn}/index/*",
    "arn:${data.aws_partition.current.partition}:dynamodb:${var.region}:${data.aws_caller_identity.current.account_id}:table/${aws_dynamodb_table.leases.name}-CoordinatorState",
    "arn:${data.aws_partition.current.partition}:dynamodb:${var.region}:${data.aws_caller_identity.current.account_id}:table/${aws_dynamodb_table.leases.name}-WorkerMetricStats",
  ]
}

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "consumer" {
  name               = "${var.name}-consumer"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

data "aws_iam_policy_document" "consumer" {
  statement {
    sid       = "ReadStream"
    actions   = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:GetShardIterator", "kinesis:GetRecords"]
    resources = [aws_kinesis_stream.logs.arn]
  }
  dynamic "statement" {
    # enhanced fan-out only: KCL finds its stream consumer by name (the application's) or registers it, then subscribes
    # to each shard it leases through that consumer, and that consumer only
    for_each = var.kcl_retrieval == "fanout" ? {
      FanOutRegisterConsumer = { actions = ["kinesis:RegisterStreamConsumer", "kinesis:ListStreamConsumers"], resource = aws_kinesis_stream.logs.arn }
      FanOutSubscribe        = { actions = ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"], resource = "${aws_kinesis_stream.logs.arn}/consumer/${aws_dynamodb_table.leases.name}:*" }
    } : {}
    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = [statement.value.resource]
    }
  }
  statement {
    sid = "WriteLogs"
    # UpdateItem: the service catalogue, the completeness watermark and the counts; PutItem also the bucket table's
    # epochs, all kept in the same table (docs/loki.md, docs/scale.md, docs/counts.md)
    actions   = ["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DescribeTable"]
    resources = [aws_dynamodb_table.logs.arn]
  }
  statement {
    sid = "ReadBucketTable"
    # write sharding: every worker reads the bucket table (docs/scale.md), and only that partition, never records
    actions   = ["dynamodb:Query"]
    resources = [aws_dynamodb_table.logs.arn]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = ["#buckets"]
    }
  }
  statement {
    sid = "ReadCountItems"
    # exact counts: after a refused conditional update a worker reads the count item or its shard's watermark item
    # back, and only those partitions (docs/counts.md)
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.logs.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["#count#*", "#hostcount#*", "#complete#*"]
    }
  }
  statement {
    sid = "KclLeaseAndCoordinatorTables"
    actions = ["dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:UpdateTable", "dynamodb:Scan", "dynamodb:Query",
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:DescribeTimeToLive",
    "dynamodb:UpdateContinuousBackups", "dynamodb:DescribeContinuousBackups", "dynamodb:TagResource"]
    resources = local.kcl_tables
  }
  statement {
    sid       = "PublishLogError"
    actions   = ["events:PutEvents"]
    resources = ["arn:${data.aws_partition.current.partition}:events:${var.region}:${data.aws_caller_identity.current.account_id}:event-bus/default"]
  }
  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.dlq.arn]
  }
  statement {
    sid       = "EncryptedResources"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
  statement {
    sid       = "Artifact"
    actions   = ["s3:GetObject"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${var.artifact_bucket}/${var.artifact_key}"]
  }
}

# query-service: attach to the role its pods assume (IRSA, k8s/base/serviceaccount.yaml). It reads the logs table, and
# writes only the rules' partitions: the ruler API's groups, the groups' state and leases, and recorded samples
# (docs/rules.md); it publishes AlertFiring/AlertResolved on the default bus.
data "aws_iam_policy_document" "query" {
  statement {
    sid       = "ReadLogs"
    actions   = ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:DescribeTable"]
    resources = [aws_dynamodb_table.logs.arn, "${aws_dynamodb_table.logs.arn}/index/*"]
  }
  statement {
    sid       = "WriteRules"
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"]
    resources = [aws_dynamodb_table.logs.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["#rules", "#rulestate", "#recorded#*", "#deletes", "#audit", "#retention"]
    }
  }
  statement {
    sid       = "PublishAlerts"
    actions   = ["events:PutEvents"]
    resources = ["arn:${data.aws_partition.current.partition}:events:${var.region}:${data.aws_caller_identity.current.account_id}:event-bus/default"]
  }
  statement {
    sid       = "EncryptedResources"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
}

resource "aws_iam_policy" "query" {
  name   = "${var.name}-query"
  policy = data.aws_iam_policy_document.query.json
}

# The delete and retention jobs (docs/retention.md): they delete records and take them out of the counts, and rewrite
# every record's TTL, so they write every partition. Attach it only to the query-service replicas that run the jobs
# (QUERY_DELETE_PROCESS=true); the others need query_policy_arn alone.
data "aws_iam_policy_document" "delete_job" {
  statement {
    sid       = "DeleteAndRetainRecords"
    actions   = ["dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"]
    resources = [aws_dynamodb_table.logs.arn]
  }
}

resource "aws_iam_policy" "delete_job" {
  name   = "${var.name}-query-delete-job"
  policy = data.aws_iam_policy_document.delete_job.json
}

resource "aws_iam_role_policy" "consumer" {
  name   = "${var.name}-consumer"
  role   = aws_iam_role.consumer.id
  policy = data.aws_iam_policy_document.consumer.json
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.consumer.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "consumer" {
  name = "${var.name}-consumer"
  role = aws_iam_role.consumer.name
}

data "aws_ssm_parameter" "al2023" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

resource "aws_launch_template" "consumer" {
  name_prefix   = "${var.name}-consumer-"
  image_id      = data.aws_ssm_parameter.al2023.value
  instance_type = var.instance_type
  ebs_optimized = true
  iam_instance_profile {
    arn = aws_iam_instance_profile.consumer.arn
  }
  metadata_options {
    http_tokens                 = "required"
    http_endpoint               = "enabled"
    http_put_response_hop_limit = 1
  }
  monitoring {
    enabled = true
  }
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 16
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }
  user_data = base64encode(templatefile("${path.module}/user-data.sh.tftpl", {
    artifact_uri         = "s3://${var.artifact_bucket}/${var.artifact_key}"
    region               = var.region
    stream               = aws_kinesis_stream.logs.name
    app_name             = aws_dynamodb_table.leases.name
    table                = aws_dynamodb_table.logs.name
    dlq_url              = aws_sqs_queue.dlq.url
    eventbridge_required = var.eventbridge_required
    retention_days       = var.log_retention_days
    retention_rules      = var.log_retention_rules
    kcl_retrieval        = var.kcl_retrieval
  }))
  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.name}-consumer" }
  }
}

resource "aws_instance" "consumer" {
  # checkov:skip=CKV_AWS_88:without private_subnets the instances sit in public subnets and need a public address to reach AWS APIs; no inbound rule is open
  count                  = var.instance_count
  subnet_id              = local.worker_subnets[count.index % length(local.worker_subnets)]
  vpc_security_group_ids = [aws_security_group.consumer.id]
  # network settings stay on the instance: AWS refuses a launch template's interfaces together with a subnet here
  associate_public_ip_address = !var.private_subnets
  launch_template {
    id      = aws_launch_template.consumer.id
    version = "$Latest"
  }
  # repeated from the launch template so that the instance itself states them (and static checks see them)
  iam_instance_profile = aws_iam_instance_profile.consumer.name
  ebs_optimized        = true
  monitoring           = true
  metadata_options {
    http_tokens                 = "required"
    http_endpoint               = "enabled"
    http_put_response_hop_limit = 1
  }
  root_block_device {
    encrypted   = true
    volume_type = "gp3"
    volume_size = 16
  }
  tags = { Name = "${var.name}-consumer-${count.index}" }
}
