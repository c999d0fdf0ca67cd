resource "aws_kms_key" "main" {
  description             = "${var.name}: stream, table, queue and topic encryption"
  deletion_window_in_days = 14
  enable_key_rotation     = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "EventBridgeAndCloudWatchToEncryptedTopicAndQueue"
        Effect    = "Allow"
        Principal = { Service = ["events.amazonaws.com", "cloudwatch.amazonaws.com"] }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      }
    ]
  })
}

resource "aws_kms_alias" "main" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.main.key_id
}

resource "aws_kinesis_stream" "logs" {
  name             = var.name
  retention_period = var.stream_retention_hours
  shard_count      = var.stream_mode == "PROVISIONED" ? var.shard_count : null
  encryption_type  = "KMS"
  kms_key_id       = aws_kms_key.main.arn
  stream_mode_details {
    stream_mode = var.stream_mode
  }
  shard_level_metrics = ["IncomingRecords", "IteratorAgeMilliseconds"]
}

resource "aws_dynamodb_table" "logs" {
  name         = "${var.name}-logs"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "levelKey"
    type = "S"
  }

  # sparse: only WARN/ERROR/FATAL items carry levelKey (see docs/query.md)
  global_secondary_index {
    name            = "level-index"
    hash_key        = "levelKey"
    range_key       = "sk"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.main.arn
  }

  deletion_protection_enabled = true
}

# KCL 3's lease table, declared as KCL creates it (KCL then finds it and does not create it); the table name is
# KCL_APP_NAME. KCL 3 also creates "<app>-CoordinatorState" and "<app>-WorkerMetricStats", which the IAM policy
# lets it create and use.
resource "aws_dynamodb_table" "leases" {
  name         = "${var.name}-consumer"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "leaseKey"

  attribute {
    name = "leaseKey"
    type = "S"
  }
  attribute {
    name = "leaseOwner"
    type = "S"
  }

  global_secondary_index {
    name            = "LeaseOwnerToLeaseKeyIndex"
    hash_key        = "leaseOwner"
    range_key       = "leaseKey"
    projection_type = "KEYS_ONLY"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.main.arn
  }

  deletion_protection_enabled = true
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = aws_kms_key.main.id
}
