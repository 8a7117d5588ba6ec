"""The worker's schedule: the daily collection run, statements, replies, letters."""
