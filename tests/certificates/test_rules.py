import pytest

from portal.certificates.rules import (
    content_hash,
    hash_token,
    is_generic_mailbox,
    new_token,
    normalise_telephone,
    same_name,
    same_text,
)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("0113 496 0000", "01134960000"),
        ("020 7946 0000", "02079460000"),
        ("0300 123 4567", "03001234567"),
        ("07700 900982", "07700900982"),
        ("0800 123 4567", "08001234567"),
        ("+44 113 496 0000", "01134960000"),
        ("+44 (0)113 496 0000", "01134960000"),
        ("(0113) 496-0000", "01134960000"),
    ],
)
def test_it_accepts_uk_telephone_numbers_as_people_write_them(typed, normalised):
    assert normalise_telephone(typed) == normalised


@pytest.mark.parametrize(
    "typed",
    [
        "0113 496 000",
        "0113 496 00000",
        "0413 496 0000",
        "09 1234 56789",
        "+1 212 555 0100",
        "ext 4000",
        "",
    ],
)
def test_it_rejects_numbers_that_are_not_uk_numbers(typed):
    assert normalise_telephone(typed) is None


@pytest.mark.parametrize(
    "email",
    [
        "info@nhs.net",
        "Admin@trust.nhs.uk",
        "enquiries@trust.nhs.uk",
        "team@trust.nhs.uk",
        "office@trust.nhs.uk",
        "noreply@trust.nhs.uk",
        "no-reply@trust.nhs.uk",
        "helpdesk@trust.nhs.uk",
        "radiology@trust.nhs.uk",
        "PACS@trust.nhs.uk",
        "ris@trust.nhs.uk",
        "radiology.team@trust.nhs.uk",
        "pacs-team2@trust.nhs.uk",
        "ssd.nationalservicedesk@nhs.net",
        "leedsth.nationalservicedesk.dept@nhs.net",
    ],
)
def test_it_recognises_shared_and_role_mailboxes(email):
    assert is_generic_mailbox(email)


@pytest.mark.parametrize(
    "email",
    ["jane.smith@nhs.net", "j.patel2@trust.nhs.uk", "chris.radley@nhs.net", "trisha.info@nhs.net"],
)
def test_personal_work_addresses_are_not_mistaken_for_shared_ones(email):
    assert not is_generic_mailbox(email)


def test_names_match_ignoring_case_and_spaces_but_not_spelling():
    assert same_text("  dr  JANE   Smith ", "Dr Jane Smith")
    assert not same_text("Dr Jane Smyth", "Dr Jane Smith")


def test_the_content_hash_is_independent_of_key_order_and_changes_with_any_value():
    one = {"a": 1, "b": [{"x": "y"}]}
    assert content_hash(one) == content_hash({"b": [{"x": "y"}], "a": 1})
    assert content_hash(one) != content_hash({"a": 1, "b": [{"x": "z"}]})
    assert len(content_hash(one)) == 64


def test_tokens_are_random_and_only_their_sha256_is_kept():
    token, stored = new_token()
    other, _ = new_token()
    assert token != other
    assert stored == hash_token(token)
    assert token not in stored and len(stored) == 64


@pytest.mark.parametrize(
    ("typed", "registered"),
    [
        ("Owen Price", "Dr Owen Price"),
        ("dr. owen  price", "Dr Owen Price"),
        ("Prof Owen Price", "Owen Price"),
        ("MRS ANN RAY", "Ann Ray"),
        ("Ms Ann Ray", "Miss Ann Ray"),
        ("Mr Dr Owen Price", "Owen Price"),
    ],
)
def test_names_match_whatever_the_case_spacing_and_title(typed, registered):
    assert same_name(typed, registered)


@pytest.mark.parametrize(
    ("typed", "registered"),
    [("Owen Pryce", "Dr Owen Price"), ("Dr", "Dr"), ("", ""), ("Drew Price", "Dr Ew Price")],
)
def test_names_still_differ_when_the_person_differs(typed, registered):
    assert not same_name(typed, registered)
