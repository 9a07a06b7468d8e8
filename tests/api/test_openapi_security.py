"""Each service's OpenAPI documents how to authenticate, operation by operation (the fuzz run's ignored_auth
check then proves that every operation documented as protected refuses a request without a token)."""

BEARER = [{"bearer": []}]
OPTIONAL = [{"bearer": []}, {}]


def _operations(app) -> dict[tuple[str, str], dict]:
    schema = app.openapi()
    return {(method.upper(), path): op for path, item in schema["paths"].items() for method, op in item.items()}


def test_registry_documents_the_bearer_token_where_it_is_required_or_optional(apps):
    schema = apps.registry.openapi()
    assert schema["components"]["securitySchemes"] == {"bearer": {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": schema["components"][
            "securitySchemes"]["bearer"]["description"]}}
    ops = _operations(apps.registry)
    # resolved through a dependency, and resolved in the route's own body (the hot read by id)
    assert ops[("POST", "/resources")]["security"] == BEARER
    assert ops[("GET", "/resources/{subject_id}")]["security"] == BEARER
    assert ops[("GET", "/products/{subject_id}")]["security"] == BEARER
    assert ops[("POST", "/registrations")]["security"] == BEARER
    # public portals' endpoints: a token is looked at when sent, never required
    assert ops[("GET", "/public/notices")]["security"] == OPTIONAL
    assert ops[("GET", "/catalog/search")]["security"] == OPTIONAL
    for public in (("GET", "/catalog.ttl"), ("GET", "/.well-known/jwks.json"), ("GET", "/healthz")):
        assert "security" not in ops[public], public


def test_auth_documents_client_authentication_and_the_admin_token(apps):
    schema = apps.auth.openapi()
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "clientBasic"}
    assert schema["components"]["securitySchemes"]["clientBasic"]["scheme"] == "basic"
    ops = _operations(apps.auth)
    for path in ("/oauth/token", "/oauth/revoke", "/oauth/introspect"):
        assert ops[("POST", path)]["security"] == [{"clientBasic": []}, {}], path
        # the client's id and secret may also come as form fields (client_secret_post)
        form = ops[("POST", path)]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
        assert form, path
    for op in (("POST", "/orgs"), ("GET", "/orgs"), ("GET", "/orgs/{org_id}"), ("POST", "/accounts"),
               ("POST", "/clients")):
        assert ops[op]["security"] == BEARER, op


def test_scoring_requires_the_bearer_token_on_every_operation_but_health(apps):
    for (method, path), op in _operations(apps.scoring).items():
        expected = None if path in ("/healthz", "/readyz") else BEARER
        assert op.get("security") == expected, (method, path)
