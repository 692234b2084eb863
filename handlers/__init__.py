"""Lambda entry points: decode the AWS event, call the core, encode the answer."""
