"""Server-rendered pages (no CDN, no JavaScript framework)."""
