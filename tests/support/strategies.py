"""Strategy files the simulator tests compare against."""

from __future__ import annotations

# One step a year after the due date: within any simulated window it contacts nobody.
NOTHING_FOR_A_YEAR = """segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder
        at: due+400d
        channels: [email]
        template: reminder
"""
