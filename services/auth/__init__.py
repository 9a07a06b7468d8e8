"""Auth service: organizations, accounts, machine clients, signing keys, OAuth2 token endpoint, JWKS."""
