"""The ports implemented for the outside world: AWS (SQS, DynamoDB, S3, SNS) and Twilio (Verify, Event Streams)."""
