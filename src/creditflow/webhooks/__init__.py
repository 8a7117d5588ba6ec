"""Events out: webhook subscriptions, signed deliveries from the timeline, retries."""
