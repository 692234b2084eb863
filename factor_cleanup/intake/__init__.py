"""Webhook and stream intake: authenticate, validate, turn what Twilio or a backend sent into queue messages."""
