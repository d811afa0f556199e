import pytest

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_uses_nhs_form_fields(client):
    html = client.get("/sign-in").content.decode()
    assert 'class="nhsuk-input"' in html
    assert 'class="nhsuk-label"' in html


def test_blank_fields_are_listed_in_the_error_summary(client):
    response = client.post("/sign-in", {"email": "", "password": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert '<a href="#id_email">Enter your email address</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html
    assert "nhsuk-form-group--error" in html
    assert "<title>Error: Sign in" in html


def test_a_wrong_password_gets_a_message_that_does_not_say_which_part_was_wrong(client):
    user = UserFactory()
    response = client.post("/sign-in", {"email": user.email, "password": "wrong-password"})
    assert "The email address or password is not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session
