"""Tiny text formatting helpers."""


def title_case(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in text.split())
