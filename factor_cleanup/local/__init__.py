"""Stand-ins for AWS and Twilio that let push-janitor run on one machine."""
