from tests.factories import make_user


def test_index_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Safer places" in response.data


def test_factory_user_rolls_back(db):
    user = make_user(db)
    assert user.id is not None
