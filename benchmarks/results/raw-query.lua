wrk.method = "POST"
wrk.body = '{"TableName":"bench-logs","KeyConditionExpression":"#h = :h","ExpressionAttributeNames":{"#h":"pk"},"ExpressionAttributeValues":{":h":{"S":"checkout"}},"ScanIndexForward":false,"Limit":51}'
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.Query"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-2/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
