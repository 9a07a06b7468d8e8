"""Shared kernel: infrastructure every PDR service uses. Imports no service.

Modules: settings, db, problems, jose_keys (python-jose behind one door), security (token verification
through JWKS and role checks), pagination, http (service-to-service client), observability (request ids,
JSON logs, metrics), app (the common FastAPI factory).
"""
