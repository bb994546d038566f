"""A helper script judged by the syntax gate."""


def greet(name: str) -> str:
    return f"hello, {name}"
