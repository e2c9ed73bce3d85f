"""The demo: a realistic organisation and weeks of history, made by the real use cases."""
