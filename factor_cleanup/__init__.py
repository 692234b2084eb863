"""push-janitor: removes Twilio Verify Push factors whose app is gone, and reports why."""
