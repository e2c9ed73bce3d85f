"""The REST API (FastAPI): thin routes that parse, authorise through the service, and render."""
