"""Tests of the Java -> Python regex translation used for botocore ``pattern`` constraints."""

from __future__ import annotations

import pytest

from tests.support.java_regex import JavaRegexError, compile_java, translate


def full(pattern: str, value: str) -> bool:
    return compile_java(pattern).fullmatch(value) is not None


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        # Unicode properties and POSIX classes (ASCII-only in Java)
        (r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+", ["héllo", "日本語", "a+b"], ["a b", "\x01"]),
        (r"\P{C}*", ["any text ü", ""], ["tab\there", "\u200b"]),
        (r"\p{Print}+", ["abc ~!"], ["é", "a\tb"]),
        (r"arn:[\p{Alnum}\-]+:x", ["arn:aws-cn:x"], ["arn:aws_1:x", "arn:é:x"]),
        (r"\p{ASCII}*", ["\x00~"], ["é"]),
        (r"[\p{IsAlphabetic}]+", ["Zürich"], ["1"]),
        (r"\p{IsWhitespace}+", [" \u3000\t"], ["x"]),
        # \w \d \s are ASCII-only in Java
        (r"\w+", ["a_Z9"], ["é"]),
        (r"\d+", ["0123"], ["\u0663"]),
        # surrogate pairs in a class = supplementary code points
        (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*", ["a 😀 é\t"], ["\x01", "a\nb"]),
        # \A...\z, quantified anchors, doubled quantifiers
        (r"\A[a-z]+\z", ["abc"], ["abc\n", "ABC"]),
        (r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)${1,128}", ["key: value=1"], ["a!b"]),
        (r"x{2}{0,2}", ["", "xx", "xxxx"], ["x", "xxx"]),
        # '-' next to a class escape is a literal; intersections; nested classes
        (r"[\w-.]+", ["a-b.c"], ["a b"]),
        (r"[\p{Print}&&[^|:/]]+", ["abc def"], ["a|b", "a:b", "a/b"]),
        (r"[a-c[x-z]]+", ["abzx"], ["d"]),
        # inline flags: mid-pattern (?i) applies to the rest of its group, also later branches
        (r"^(?i)(true|false)$", ["TRUE", "False"], ["yes"]),
        (r"ab(?i)c|d", ["abC", "D"], ["ABc", "abd"]),
        (r"(?!(?i)AWS_)[a-zA-Z_][a-zA-Z0-9_]*", ["MY_VAR"], ["aws_x", "AWS_X"]),
        # '.' excludes all Java line terminators, unless (?s)
        (r".+", ["abc"], ["a\rb", "a\u2028b"]),
        (r"(?s).{1,3}", ["a\nb"], ["abcd"]),
        # octal escapes, multi-digit back-references, \x{...}
        (r"[^/:|\000-\037]+", ["abc"], ["a\x1fb", "a/b"]),
        (r"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)\11", ["abcdefghijkk"], ["abcdefghijka1"]),
        (r"[\x{60}a]+", ["`a"], ["b"]),
    ],
)
def test_java_semantics(pattern: str, good: list[str], bad: list[str]) -> None:
    for value in good:
        assert full(pattern, value), (pattern, value, translate(pattern))
    for value in bad:
        assert not full(pattern, value), (pattern, value, translate(pattern))


@pytest.mark.parametrize("pattern", [r"\p{InGreek}", r"(?x)a b", r"*a", r"[a-", r"(a", r"\G"])
def test_unsupported_or_invalid_patterns_raise(pattern: str) -> None:
    with pytest.raises(JavaRegexError):
        compile_java(pattern)


def test_translation_is_self_contained() -> None:
    import re

    python = translate(r"\w+")
    assert python.startswith("(?a)")
    assert re.fullmatch(python, "abc") and not re.fullmatch(python, "é")
