"""A small pure-Python package for the pwpkg example Worker."""

from tinyfmt import title_case

__all__ = ["greet"]


def greet(name: str) -> str:
    return f"Hello, {title_case(name)}!"
