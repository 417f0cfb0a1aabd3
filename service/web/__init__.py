"""Server-rendered pages: the notice, health checks, the demo."""
