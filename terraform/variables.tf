variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "log-stream"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Environment tag (dev, staging, prod)."
  type        = string
  default     = "dev"
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-2"
}

variable "vpc_cidr" {
  description = "CIDR of the VPC; two public (and optionally two private) /24 subnets are cut from it."
  type        = string
  default     = "10.40.0.0/16"
  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a valid CIDR block."
  }
}

variable "private_subnets" {
  description = "Run the consumer instances in private subnets behind a NAT gateway (adds the NAT's hourly cost)."
  type        = bool
  default     = false
}

variable "ssh_cidr" {
  description = "CIDR allowed to SSH to the instances; null (default) opens no SSH port: use SSM Session Manager."
  type        = string
  default     = null
  validation {
    condition     = var.ssh_cidr == null || can(cidrhost(var.ssh_cidr, 0))
    error_message = "ssh_cidr must be null or a valid CIDR block."
  }
}

variable "stream_mode" {
  description = "Kinesis capacity mode: ON_DEMAND or PROVISIONED."
  type        = string
  default     = "ON_DEMAND"
  validation {
    condition     = contains(["ON_DEMAND", "PROVISIONED"], var.stream_mode)
    error_message = "stream_mode must be ON_DEMAND or PROVISIONED."
  }
}

variable "kcl_retrieval" {
  description = "How the consumer reads the stream: polling (GetRecords, the default and cheapest) or fanout (enhanced fan-out, ~70 ms propagation, billed per consumer-shard-hour and GB; docs/consumer.md). fanout adds the IAM actions it needs."
  type        = string
  default     = "polling"
  validation {
    condition     = contains(["polling", "fanout"], var.kcl_retrieval)
    error_message = "kcl_retrieval must be polling or fanout."
  }
}

variable "shard_count" {
  description = "Shards when stream_mode is PROVISIONED."
  type        = number
  default     = 4
  validation {
    condition     = var.shard_count >= 1 && var.shard_count <= 500
    error_message = "shard_count must be between 1 and 500."
  }
}

variable "stream_retention_hours" {
  description = "How long Kinesis keeps records (24-8760); dead letters point back into this window."
  type        = number
  default     = 168
  validation {
    condition     = var.stream_retention_hours >= 24 && var.stream_retention_hours <= 8760
    error_message = "stream_retention_hours must be between 24 and 8760."
  }
}

variable "log_retention_days" {
  description = "Default retention in days (LOG_RETENTION_DAYS of both services) for what no retention rule names; 0 keeps items."
  type        = number
  default     = 30
  validation {
    condition     = var.log_retention_days >= 0
    error_message = "log_retention_days must be >= 0."
  }
}

variable "log_retention_rules" {
  description = "Retention per service and level (LOG_RETENTION_RULES of both services), e.g. \"checkout:DEBUG=3d audit=365d\"; the admin API's rules replace them (docs/retention.md)."
  type        = string
  default     = ""
  validation {
    condition     = can(regex("^[A-Za-z0-9._*:= ,-]*$", var.log_retention_rules))
    error_message = "log_retention_rules holds rules such as checkout:DEBUG=3d, separated by spaces or commas."
  }
}

variable "instance_type" {
  description = "EC2 instance type of the consumer."
  type        = string
  default     = "t3.small"
}

variable "instance_count" {
  description = "Consumer instances (KCL workers sharing the shards)."
  type        = number
  default     = 2
  validation {
    condition     = var.instance_count >= 1 && var.instance_count <= 20
    error_message = "instance_count must be between 1 and 20."
  }
}

variable "artifact_bucket" {
  description = "S3 bucket holding the consumer jar."
  type        = string
}

variable "artifact_key" {
  description = "S3 key of consumer-service-<version>-all.jar."
  type        = string
  default     = "log-stream/consumer-service-0.1.0-all.jar"
}

variable "eventbridge_required" {
  description = "EVENTBRIDGE_REQUIRED of the consumer: the checkpoint waits for LogError events too."
  type        = bool
  default     = false
}

variable "query_jwks_url" {
  description = "JWKS URL of the identity provider whose bearer tokens query-service accepts (QUERY_JWKS_URL); empty means QUERY_AUTH=none, for a private network only"
  type        = string
  default     = ""
}

variable "query_jwt_issuer" {
  description = "The iss a bearer token must carry (QUERY_JWT_ISSUER); required when query_jwks_url is set"
  type        = string
  default     = ""
}

variable "query_jwt_audience" {
  description = "The aud a bearer token must name (QUERY_JWT_AUDIENCE); required when query_jwks_url is set"
  type        = string
  default     = "log-stream-query"
}

variable "query_services_claim" {
  description = "Token claim listing the services a caller may read (QUERY_SERVICES_CLAIM)"
  type        = string
  default     = "services"
}

variable "alert_email" {
  description = "E-mail subscribed to LogError and alarm notifications; null for none."
  type        = string
  default     = null
}

variable "lag_alarm_ms" {
  description = "Alarm when the stream's iterator age exceeds this many milliseconds."
  type        = number
  default     = 60000
}

variable "enable_flow_logs" {
  description = "Send VPC flow logs to CloudWatch Logs (KMS-encrypted, 365 days)."
  type        = bool
  default     = false
}
