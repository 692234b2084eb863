"""Twilio adapters: the Verify API on twilio-python, and configure-twilio's webhook and Event Streams set-up."""
