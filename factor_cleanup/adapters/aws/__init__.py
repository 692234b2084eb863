"""AWS adapters: SQS queues, the DynamoDB ledger, registry and breaker store, S3/SNS report stores, the DLQ."""
