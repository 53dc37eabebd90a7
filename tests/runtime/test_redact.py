from orchestrix.runtime.redact import MASK, Redactor, redact


def test_sensitive_keys_are_masked_at_any_depth() -> None:
    value = {
        "user": {"email": "a@b.co", "password": "pw-123456", "passwordHash": "$argon2id$x"},
        "items": [{"apiKey": "k-1234"}],
        "token": None,
    }
    out = redact(value)
    assert out["user"] == {"email": "a@b.co", "password": MASK, "passwordHash": MASK}
    assert out["items"] == [{"apiKey": MASK}]
    assert out["token"] is None  # nothing to hide


def test_a_secret_seen_once_is_masked_everywhere_else() -> None:
    redactor = Redactor()
    redactor.collect({"password": "hunter2hunter2", "auth": {"token": "abc.def.ghi"}})
    assert redactor.redact({"value": "hunter2hunter2"}) == {"value": MASK}
    assert redactor.redact("Bearer abc.def.ghi") == f"Bearer {MASK}"
    assert redactor.redact({"n": 1, "s": "plain"}) == {"n": 1, "s": "plain"}
