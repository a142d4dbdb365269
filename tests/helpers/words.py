"""What the pages say in each language, written as one row per message (Kazakh, Russian)."""

LANGUAGES = ("kk", "ru")


def by_language(**words: tuple) -> dict[str, dict]:
    """{"kk": {key: kazakh}, "ru": {key: russian}} from key=(kazakh, russian) pairs."""
    return {language: {key: pair[i] for key, pair in words.items()} for i, language in enumerate(LANGUAGES)}
