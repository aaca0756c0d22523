"""Translate Java regular expressions (as found in AWS service models) to Python ``re``.

botocore's service models carry ``pattern`` constraints written for ``java.util.regex``
(AWS validates them server-side with Java semantics, ``Matcher.matches()``, i.e. a full
match).  Python's ``re`` cannot compile a good part of them (``\\p{L}``, ``\\z``, surrogate
pairs, ``[\\w-.]``, mid-pattern ``(?i)``, ``${1,128}``, ``&&`` class intersections...) and
silently means something else for others (``.``, ``\\w`` and ``\\d`` are ASCII-only in Java).

Contract:

* :func:`translate` returns an equivalent Python pattern (self-contained: it starts with
  ``(?a)`` so that ``\\d \\w \\s \\b`` and case folding are ASCII-only, as in Java by default);
* :func:`compile_java` compiles and caches it; use ``compiled.fullmatch(value)``;
* constructs that cannot be reproduced raise :class:`JavaRegexError` (never a silent
  approximation that could reject valid input); the few Unicode binary properties that
  Python's ``unicodedata`` cannot express exactly (``\\p{IsAlphabetic}``) are
  approximated by a *superset*, so a valid value is never reported as a violation.

Character classes are evaluated to explicit code point ranges (Java semantics for nesting,
``&&``, negation, ``-`` next to a class escape) and emitted as plain Python classes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

__all__ = ["JavaRegexError", "compile_java", "translate"]

_MAX_CP = 0x10FFFF
Ranges = list[tuple[int, int]]


class JavaRegexError(ValueError):
    """A Java pattern uses a construct this translator does not support (or is invalid)."""


# --------------------------------------------------------------------------- code point sets


def _normalize(ranges: Iterable[tuple[int, int]]) -> Ranges:
    """Sort and merge overlapping or adjacent ranges."""
    out: Ranges = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _complement(ranges: Ranges) -> Ranges:
    out: Ranges = []
    nxt = 0
    for lo, hi in _normalize(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAX_CP:
        out.append((nxt, _MAX_CP))
    return out


def _intersect(a: Ranges, b: Ranges) -> Ranges:
    a, b = _normalize(a), _normalize(b)
    out: Ranges = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _chars(text: str) -> Ranges:
    return [(ord(c), ord(c)) for c in text]


@functools.cache
def _categories() -> dict[str, tuple[tuple[int, int], ...]]:
    """Two-letter Unicode general category -> ranges (one pass over all code points, ~0.3 s)."""
    runs: dict[str, Ranges] = {}
    category = unicodedata.category
    prev = category("\0")
    start = 0
    for cp in range(1, _MAX_CP + 1):
        cat = category(chr(cp))
        if cat != prev:
            runs.setdefault(prev, []).append((start, cp - 1))
            prev, start = cat, cp
    runs.setdefault(prev, []).append((start, _MAX_CP))
    return {k: tuple(v) for k, v in runs.items()}


def _cats(*names: str) -> Ranges:
    table = _categories()
    out: Ranges = []
    for name in names:
        for cat, ranges in table.items():
            if cat == name or (len(name) == 1 and cat[0] == name):
                out.extend(ranges)
    return out


_CATEGORY_NAMES = {
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
    "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So",
    "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co", "Cn",
}  # fmt: skip

_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_WHITE_SPACE = _chars("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") + [
    (0x2000, 0x200A)
]
_HEX_EXTRA = [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66), (0xFF10, 0xFF19), (0xFF21, 0xFF26),
              (0xFF41, 0xFF46)]  # fmt: skip
# Other_Alphabetic is not in unicodedata: Mn/Mc plus the enclosed letters give a superset.
_ALPHABETIC_EXTRA = [(0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169),
                     (0x1F170, 0x1F189)]  # fmt: skip

# POSIX classes: US-ASCII only in Java (without UNICODE_CHARACTER_CLASS); names are case-sensitive.
_POSIX: dict[str, Ranges] = {
    "Lower": [(0x61, 0x7A)],
    "Upper": [(0x41, 0x5A)],
    "ASCII": [(0, 0x7F)],
    "Alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "Digit": [(0x30, 0x39)],
    "Alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "Punct": _chars(_PUNCT),
    "Graph": [(0x21, 0x7E)],
    "Print": [(0x20, 0x7E)],
    "Blank": _chars(" \t"),
    "Cntrl": [(0, 0x1F), (0x7F, 0x7F)],
    "XDigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
    "Space": _chars(" \t\n\x0b\x0c\r"),
}


def _binary_property(key: str) -> Ranges | None:
    """Java ``\\p{IsXxx}`` binary properties (key upper-cased, underscores removed)."""
    if key == "ALPHABETIC":
        return _cats("L", "Nl", "Mn", "Mc") + _ALPHABETIC_EXTRA
    if key == "LETTER":
        return _cats("L")
    if key == "WHITESPACE":
        return list(_WHITE_SPACE)
    if key == "DIGIT":
        return _cats("Nd")
    if key == "HEXDIGIT":
        return _cats("Nd") + _HEX_EXTRA
    if key == "PUNCTUATION":
        return _cats("P")
    if key == "CONTROL":
        return _cats("Cc")
    if key == "TITLECASE":
        return _cats("Lt")
    if key == "ASSIGNED":
        return _complement(_cats("Cn"))
    if key == "JOINCONTROL":
        return [(0x200C, 0x200D)]
    return None


@functools.cache
def _property(name: str) -> tuple[tuple[int, int], ...]:
    """Ranges of the Java property ``\\p{name}``."""
    ranges: Ranges | None = None
    if name in _POSIX:
        ranges = _POSIX[name]
    elif name in _CATEGORY_NAMES:
        ranges = _cats(name)
    elif name == "LC":
        ranges = _cats("Lu", "Ll", "Lt")
    elif name == "LD":
        ranges = _cats("L", "Nd")
    elif name == "L1":
        ranges = [(0, 0xFF)]
    elif name == "all":
        ranges = [(0, _MAX_CP)]
    elif name.startswith(("gc=", "general_category=")):
        cat = name.split("=", 1)[1]
        ranges = _cats(cat) if cat in _CATEGORY_NAMES else None
    elif name.startswith("Is"):
        rest = name[2:]
        if rest in _CATEGORY_NAMES:
            ranges = _cats(rest)
        else:
            ranges = _binary_property(rest.upper().replace("_", "").replace(" ", ""))
    if ranges is None:
        raise JavaRegexError(f"unsupported character property \\p{{{name}}}")
    return tuple(_normalize(ranges))


# --------------------------------------------------------------------------- emission

_DOT = _complement(_chars("\n\r\x85\u2028\u2029"))  # Java '.' without DOTALL
_VERTICAL = _chars("\n\x0b\x0c\r\x85\u2028\u2029")
_HORIZONTAL = _chars(" \t\xa0\u1680\u180e\u202f\u205f\u3000") + [(0x2000, 0x200A)]
_SIMPLE_CLASSES: dict[str, Ranges] = {
    "d": [(0x30, 0x39)],
    "w": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "s": _chars(" \t\n\x0b\x0c\r"),
    "h": _HORIZONTAL,
    "v": _VERTICAL,
}
_CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "r": 0x0D, "f": 0x0C, "a": 0x07, "e": 0x1B}


def _lit(cp: int) -> str:
    """A Python pattern fragment matching exactly the code point ``cp`` (also inside [])."""
    ch = chr(cp)
    if ch.isascii() and (ch.isalnum() or ch == "_"):
        return ch
    if 0x20 < cp < 0x7F:
        return "\\" + ch
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _emit_class(ranges: Iterable[tuple[int, int]]) -> str:
    norm = _normalize(ranges)
    if not norm:
        return "(?!)"
    parts = [_lit(lo) if lo == hi else f"{_lit(lo)}-{_lit(hi)}" for lo, hi in norm]
    return "[" + "".join(parts) + "]"


# --------------------------------------------------------------------------- parser

_QUANT_RE = re.compile(r"\{(\d+)(?:(,)(\d*))?\}")
_FLAG_GROUP_RE = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])")
_SUPPORTED_FLAGS = set("ims")


class _Translator:
    """Recursive-descent translation of one Java pattern."""

    def __init__(self, source: str) -> None:
        self.s = source
        self.i = 0
        self.groups = 0  # capturing groups opened so far (Java back-reference rule)

    # -- helpers
    def _peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def _error(self, message: str) -> JavaRegexError:
        return JavaRegexError(f"{message} at index {self.i} in {self.s!r}")

    def translate(self) -> str:
        body = self._alternation(dotall=False)
        if self.i < len(self.s):
            raise self._error("unmatched ')'")
        return "(?a)" + body

    # -- structure
    def _alternation(self, dotall: bool) -> str:
        """Parse up to an unconsumed ')' or the end; returns the Python alternation."""
        alternatives: list[str] = []
        on: set[str] = set()  # inline flags switched on/off so far in this group
        off: set[str] = set()
        seq: list[str] = []
        scopes: list[tuple[int, str]] = []
        can_quantify = False
        kind = ""

        def finish() -> None:
            for start, delta in reversed(scopes):
                seq[start:] = [f"(?{delta}:{''.join(seq[start:])})"]
            alternatives.append("".join(seq))

        while True:
            c = self._peek()
            if c == "" or c == ")":
                finish()
                break
            if c == "|":
                finish()
                self.i += 1
                seq, scopes, can_quantify = [], [], False
                if on or off:  # Java: flags stay on for the following alternatives
                    scopes.append((0, _flag_delta(on, off)))
                continue
            m = _FLAG_GROUP_RE.match(self.s, self.i)
            if m and m.group(3) == ")":  # (?i) : applies to the rest of the enclosing group
                self.i = m.end()
                add, rem = _check_flags(m.group(1), m.group(2) or "")
                on, off = (on | add) - rem, (off | rem) - add
                dotall = ("s" in add) or (dotall and "s" not in rem)
                scopes.append((len(seq), _flag_delta(add, rem)))
                can_quantify = False
                continue
            quant = self._quantifier()
            if quant is not None:
                if not can_quantify:
                    raise self._error("dangling quantifier (nothing to repeat)")
                if kind == "quoted":  # Java would repeat only the last quoted char
                    raise self._error("unsupported quantifier after \\Q...\\E")
                if kind in ("anchor", "quantified"):
                    seq[-1] = f"(?:{seq[-1]})"
                seq[-1] += quant
                kind = "quantified"
                continue
            atom, kind = self._atom(dotall)
            seq.append(atom)
            can_quantify = True
        return "|".join(alternatives)

    def _quantifier(self) -> str | None:
        c = self._peek()
        if c in ("*", "+", "?"):
            self.i += 1
            base = c
        elif c == "{":
            m = _QUANT_RE.match(self.s, self.i)
            if not m:
                return None
            lo, comma, hi = m.group(1), m.group(2), m.group(3)
            if hi and int(hi) < int(lo):
                raise self._error("illegal repetition range")
            self.i = m.end()
            base = "{" + lo + ("," + hi if comma else "") + "}"
        else:
            return None
        if self._peek() in ("?", "+"):  # lazy / possessive (Python >= 3.11)
            base += self._peek()
            self.i += 1
        return base

    def _atom(self, dotall: bool) -> tuple[str, str]:
        """One atom; returns (python text, kind): 'atom', 'anchor' (zero-width) or 'quoted'."""
        c = self._peek()
        if c == "(":
            return self._group(dotall)
        if c == "[":
            return _emit_class(self._class()), "atom"
        if c == ".":
            self.i += 1
            return ("." if dotall else _emit_class(_DOT)), "atom"
        if c in ("^", "$"):
            self.i += 1
            return c, "anchor"
        if c == "\\":
            return self._escape_outside()
        if c in ("*", "+", "?"):
            raise self._error("dangling quantifier (nothing to repeat)")
        self.i += 1
        return _lit(ord(c)), "atom"

    def _group(self, dotall: bool) -> tuple[str, str]:
        s, i = self.s, self.i
        kind = "atom"
        if s.startswith("(?:", i):
            self.i += 3
            head = "(?:"
        elif s.startswith(("(?=", "(?!"), i):
            head, kind = s[i : i + 3], "anchor"
            self.i += 3
        elif s.startswith(("(?<=", "(?<!"), i):
            head, kind = s[i : i + 4], "anchor"
            self.i += 4
        elif s.startswith("(?>", i):
            self.i += 3
            head = "(?>"
        elif s.startswith("(?<", i):
            m = re.compile(r"\(\?<([A-Za-z][A-Za-z0-9]*)>").match(s, i)
            if not m:
                raise self._error("bad named group")
            self.i = m.end()
            self.groups += 1
            head = f"(?P<{m.group(1)}>"
        elif s.startswith("(?", i):
            m = _FLAG_GROUP_RE.match(s, i)
            if not m or m.group(3) != ":":
                raise self._error("unsupported group construct")
            self.i = m.end()
            add, rem = _check_flags(m.group(1), m.group(2) or "")
            dotall = ("s" in add) or (dotall and "s" not in rem)
            head = f"(?{_flag_delta(add, rem)}:"
        else:
            self.i += 1
            self.groups += 1
            head = "("
        body = self._alternation(dotall)
        if self._peek() != ")":
            raise self._error("missing ')'")
        self.i += 1
        return head + body + ")", kind

    # -- escapes
    def _escape_outside(self) -> tuple[str, str]:
        start = self.i
        self.i += 1
        c = self._peek()
        if c == "":
            raise self._error("trailing backslash")
        if c in "123456789":
            return self._backreference(), "atom"
        if c in "dwsDWS":
            self.i += 1
            return "\\" + c, "atom"  # (?a): ASCII semantics, as Java's defaults
        if c in "bBA":
            self.i += 1
            return "\\" + c, "anchor"
        if c == "z":
            self.i += 1
            return "\\Z", "anchor"
        if c == "Z":
            self.i += 1
            return "(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?\\Z)", "anchor"
        if c == "R":
            self.i += 1
            return "(?:\\r\\n|" + _emit_class(_VERTICAL) + ")", "atom"
        if c == "Q":
            end = self.s.find("\\E", self.i + 1)
            text = self.s[self.i + 1 :] if end < 0 else self.s[self.i + 1 : end]
            self.i = len(self.s) if end < 0 else end + 2
            return "(?:" + "".join(_lit(ord(ch)) for ch in text) + ")", "quoted"
        if c == "E":
            self.i += 1
            return "", "atom"
        if c == "k":
            m = re.compile(r"k<([A-Za-z][A-Za-z0-9]*)>").match(self.s, self.i)
            if not m:
                raise self._error("bad named back-reference")
            self.i = m.end()
            return f"(?P={m.group(1)})", "atom"
        self.i = start
        value = self._escape_value()
        if isinstance(value, int):
            return _lit(value), "atom"
        return _emit_class(value), "atom"

    def _backreference(self) -> str:
        j = self.i + 1
        number = int(self.s[self.i])
        while j < len(self.s) and self.s[j].isdigit() and int(self.s[self.i : j + 1]) <= self.groups:
            number = int(self.s[self.i : j + 1])
            j += 1
        self.i = j
        return f"(?:\\{number})"

    def _escape_value(self) -> int | Ranges:
        """An escape valid in and out of classes: a code point, or a set of ranges."""
        self.i += 1  # the backslash
        c = self._peek()
        self.i += 1
        low = c.lower()
        if low in _SIMPLE_CLASSES:
            ranges = _SIMPLE_CLASSES[low]
            return _complement(ranges) if c.isupper() else list(ranges)
        if c in ("p", "P"):
            if self._peek() == "{":
                end = self.s.find("}", self.i)
                if end < 0:
                    raise self._error("unclosed \\p{")
                name = self.s[self.i + 1 : end]
                self.i = end + 1
            else:
                name = self._peek()
                self.i += 1
            negated = c == "P"
            if name.startswith("^"):
                name, negated = name[1:], not negated
            ranges = list(_property(name))
            return _complement(ranges) if negated else ranges
        if c in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[c]
        if c == "0":
            m = re.compile(r"[0-3][0-7]{2}|[0-7]{1,2}").match(self.s, self.i)
            if not m:
                raise self._error("illegal octal escape")
            self.i = m.end()
            return int(m.group(0), 8)
        if c == "x":
            m = re.compile(r"\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{2})").match(self.s, self.i)
            if not m:
                raise self._error("illegal hexadecimal escape")
            self.i = m.end()
            cp = int(m.group(1) or m.group(2), 16)
            if cp > _MAX_CP:
                raise self._error("hexadecimal code point out of range")
            return cp
        if c == "u":
            return self._unicode_escape()
        if c == "c":
            ch = self._peek()
            if not ch:
                raise self._error("illegal control escape")
            self.i += 1
            return ord(ch) ^ 64
        if c == "" or (c.isascii() and c.isalnum()):
            raise self._error(f"unsupported escape \\{c}")
        return ord(c)

    def _unicode_escape(self) -> int:
        m = re.compile(r"[0-9a-fA-F]{4}").match(self.s, self.i)
        if not m:
            raise self._error("illegal unicode escape")
        self.i = m.end()
        cp = int(m.group(0), 16)
        if 0xD800 <= cp <= 0xDBFF:  # Java strings are UTF-16: a surrogate pair is one code point
            low = re.compile(r"\\u([dD][c-fC-F][0-9a-fA-F]{2})").match(self.s, self.i)
            if low:
                self.i = low.end()
                cp = 0x10000 + ((cp - 0xD800) << 10) + (int(low.group(1), 16) - 0xDC00)
        return cp

    # -- character classes
    def _class(self) -> Ranges:
        """Parse ``[...]`` (self.i at '[') with Java semantics; returns its ranges."""
        self.i += 1
        negate = self._peek() == "^"
        if negate:
            self.i += 1
        intersection: Ranges | None = None
        current: Ranges = []
        first = True
        while True:
            c = self._peek()
            if c == "":
                raise self._error("unclosed character class")
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if self.s.startswith("&&", self.i):
                self.i += 2
                intersection = current if intersection is None else _intersect(intersection, current)
                current = []
                continue
            if c == "[":
                current.extend(self._class())
                continue
            item = self._class_item()
            if isinstance(item, list):
                current.extend(item)
                continue
            nxt = self._peek(1)
            if (
                self._peek() == "-"
                and nxt not in ("]", "[", "")
                and not self.s.startswith("&&", self.i + 1)
            ):
                save = self.i
                self.i += 1
                upper = self._class_item()
                if isinstance(upper, int):
                    if upper < item:
                        raise self._error("illegal character range")
                    current.append((item, upper))
                    continue
                self.i = save  # 'a-\w': the '-' is a literal
            current.append((item, item))
        ranges = current if intersection is None else _intersect(intersection, current)
        return _complement(ranges) if negate else _normalize(ranges)

    def _class_item(self) -> int | Ranges:
        c = self._peek()
        if c != "\\":
            self.i += 1
            return ord(c)
        nxt = self._peek(1)
        if nxt == "Q":
            end = self.s.find("\\E", self.i + 2)
            text = self.s[self.i + 2 :] if end < 0 else self.s[self.i + 2 : end]
            self.i = len(self.s) if end < 0 else end + 2
            return _chars(text)
        if nxt == "b":
            raise self._error("\\b inside a character class")
        return self._escape_value()


def _check_flags(add: str, rem: str) -> tuple[set[str], set[str]]:
    unsupported = (set(add) | set(rem)) - _SUPPORTED_FLAGS
    if unsupported:
        raise JavaRegexError(f"unsupported inline flag(s) {''.join(sorted(unsupported))!r}")
    return set(add), set(rem)


def _flag_delta(on: set[str], off: set[str]) -> str:
    return "".join(sorted(on)) + ("-" + "".join(sorted(off)) if off else "")


def translate(pattern: str) -> str:
    """Return a Python ``re`` pattern equivalent to the Java ``pattern``.

    Raises :class:`JavaRegexError` for invalid or unsupported Java constructs.
    """
    return _Translator(pattern).translate()


@functools.lru_cache(maxsize=None)
def compile_java(pattern: str) -> re.Pattern[str]:
    """Translate and compile ``pattern`` (cached per process); use ``.fullmatch``."""
    python_pattern = translate(pattern)
    try:
        return re.compile(python_pattern)
    except re.error as exc:  # a translation gap: say so, with both patterns
        raise JavaRegexError(
            f"translated pattern does not compile ({exc}): java {pattern!r} -> {python_pattern!r}"
        ) from exc
