"""The web console: server-rendered pages over the auth, registry and scoring APIs (a client of HTTP only)."""
