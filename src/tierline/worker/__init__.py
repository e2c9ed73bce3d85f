"""The worker: fires due clocks and delivers the outbox."""
