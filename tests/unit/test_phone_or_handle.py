"""A caller is known by a phone number or, on Telegram and the web chat, by a handle (issue 15, item 5)."""
from domain.phone import normalise_phone, phone_problem


def test_a_chat_handle_is_taken_where_a_number_is():
    assert phone_problem("@aigul_k") is None and phone_problem("  @Aigul.K ") is None


def test_a_handle_is_one_sender_however_its_letters_were_typed():
    assert normalise_phone("@Aigul_K") == normalise_phone("@aigul_k") == "@aigul_k"


def test_a_bad_handle_says_the_handle_rule_not_the_phone_rule():
    for text in ("@ab", "@айгүл", "@a b c", "@" + "x" * 49):
        problem = phone_problem(text)
        assert problem is not None and problem.code == "phone.handle", text


def test_numbers_keep_their_rules():
    assert normalise_phone("8 701 123 45 67") == "+77011234567"
    assert phone_problem("701-abc").code == "phone.characters"
