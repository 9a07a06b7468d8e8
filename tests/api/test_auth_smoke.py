async def test_operator_token_reaches_registry_me(people, registry_client):
    person = await people.person("operator")
    response = await registry_client.get("/me", headers=person.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["roles"] == ["operator"] and body["org"] == person.org_id and body["org_name"].startswith("测试机构")
