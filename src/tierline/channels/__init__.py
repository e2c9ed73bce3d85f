"""Delivery channels: implementations of the notifier port the worker sends outbox rows through."""
