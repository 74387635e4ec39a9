"""Generate ``tests/fixtures/ignore_parity.json`` by running npm ``ignore@5.3.1`` as wrangler does.

Wrangler (``createAssetsIgnoreFunction``, checked in wrangler 4.164.0's bundled ``cli.js``) reads
the root ``.assetsignore`` as UTF-8 (a BOM dropped; a NUL or a bad byte refused: the whole deploy
fails), splits it on ``"\\n"`` only (a CRLF file leaves a ``"\\r"`` on each line), puts its three
rules first (``/.assetsignore``, ``/_redirects``, ``/_headers``), then asks
``ignore().add(lines).test(path).ignored`` for every relative path its recursive listing gives.
``test("a/b")`` first asks about the folders above it, as ``"a/"`` then ``"a/b/"``: a folder
ignored that way ignores everything below it. The fixture records, for each case (the text of an
``.assetsignore`` file), what ``ignore`` says about every path of a path list: files as
``a/b``, folders as ``a/b/`` (which is what a walk that prunes folders must answer), plus the
regex source ``ignore`` builds for each rule, or the error ``ignore()`` throws (wrangler fails).

The corpus is generated (seeded, so the fixture is stable): systematic families (negations at
every depth under every kind of excluded parent, ``**`` in every position, one line of every odd
kind alone and re-included) and random files mixing all of them (anchors, trailing ``/``,
escapes, classes, case, whitespace, comments, CRLF, a BOM). ``ignore`` is installed from the npm
registry into a temporary folder (never into the repository) and driven by a small Node program.

Rerun with ``python3 scripts/gen_ignore_parity.py`` (needs ``node`` and ``npm`` on PATH).
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from pathlib import Path
from typing import Any

from npm_probe import run_with_package

IGNORE_VERSION = "5.3.1"
SEED = 14
REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "tests" / "fixtures" / "ignore_parity.json"
DEFAULTS = ["/.assetsignore", "/_redirects", "/_headers"]
# wrangler 4.164.0's message (InvalidAssetsIgnoreError) for a file that is not UTF-8 or has a NUL.
NUL_ERROR = "must be UTF-8 encoded and must not contain null characters"

NODE_PROGRAM = """\
const { TextDecoder } = require("util");
const sources = [];
const NativeRegExp = RegExp;
// ignore builds each rule with `new RegExp(source, "i")`: record the sources it builds.
globalThis.RegExp = new Proxy(NativeRegExp, {
  construct(target, args) { sources.push(args[0]); return new target(...args); },
});
const ignore = require("ignore");
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = input.cases.map(({ name, text, paths }) => {
  // wrangler's readAssetsIgnoreFile: strict UTF-8 (drops a BOM), NUL refused
  const decoded = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(text, "utf8"));
  if (decoded.includes("\\0")) return { name, text, error: "%NUL%" };
  sources.length = 0;
  let ig;
  try {
    ig = ignore().add([...input.defaults, ...decoded.split("\\n")]);
  } catch (e) {
    return { name, text, error: e.message };
  }
  const ruleSources = sources.slice(input.defaults.length);
  const ignored = input.path_lists[paths].map((p) => (ig.test(p).ignored ? "1" : "0")).join("");
  return { name, text, paths, sources: ruleSources, ignored };
});
process.stdout.write(JSON.stringify(out));
""".replace("%NUL%", NUL_ERROR)

# Hand-written cases: (name, lines, file paths).
# fmt: off
HAND_CASES: list[tuple[str, list[str], list[str]]] = [
    ("plain-name-any-depth", ["sub-dir"],
     ["sub-dir", "sub-dir/a.txt", "a/sub-dir/b.txt", "a/b/sub-dir", "sub-dirx/a.txt",
      "a/sub-dir-2.txt"]),
    ("case-insensitive-ext", ["*.BAK"], ["a.bak", "A.BAK", "x/y/a.Bak", "a.bak.txt", "bak"]),
    ("root-anchored", ["/a"], ["a", "a/x.txt", "b/a", "b/a/x.txt", "ab"]),
    ("dir-only", ["dir/"],
     ["dir", "dir/x.txt", "dir/y/z.txt", "a/dir/x.txt", "a/dir", "dirx/a.txt"]),
    ("dir-excluded-no-reinclude", ["dir/", "!dir/keep.txt"], ["dir/keep.txt", "dir/x.txt", "dir"]),
    ("negation", ["*.txt", "!keep.txt"], ["a.txt", "keep.txt", "sub/keep.txt", "sub/a.txt"]),
    ("whitelist-idiom", ["*", "!*/", "!*.js"],
     ["a.js", "a.txt", "d/a.js", "d/a.txt", "d/e/f.JS", "README"]),
    ("double-star-suffix-negated", ["foo/**", "!foo/bar/**"],
     ["foo", "foo/x.txt", "foo/bar", "foo/bar/x.txt", "foo/baz/bar/x.txt"]),
    ("reinclude-below-double-star", ["**/build/**", "!**/build/keep/**", "!**/build/keep.txt"],
     ["build/a", "build/keep.txt", "build/keep/x", "a/build/keep/x", "a/build/keep.txt"]),
    ("negated-parent-name", ["*", "!a", "!a/"], ["a", "a/x", "a/b/x", "b/a/x", "x"]),
    ("crlf-line-endings", ["*.log\r", "build/\r", "!keep.log\r"],
     ["a.log", "build", "build/out.js", "x/build/out.js", "keep.log", "a.txt"]),
    ("trailing-space-anchors-folder", ["build/ "], ["build/x", "a/build/x"]),
    ("lone-bang-reincludes-all", ["*.txt", "!"], ["a.txt", "b/c.txt"]),
    ("lone-slash", ["/", "*.txt"], ["a.txt", "b"]),
    ("bom-then-comment", ["\ufeff# comment", "x"], ["# comment", "x", "comment"]),
    ("nested-double-stars", ["**/a/**/a/**/b"],
     ["a/a/b", "a/b", "a/x/a/y/b", "x/a/a/b/c.txt", "a/a/a/a/a/a/x", "b/a/a", "a/aa/b"]),
    ("wrangler-defaults-case", [], ["_HEADERS", "_Redirects", ".AssetsIgnore", "x/_headers"]),
]
# fmt: on

# The folder the CLI integration test deploys (tests/integration/test_assetsignore.py): one rule
# of each kind our matching used to read unlike npm ignore, and files on both sides of each.
CLI_CASE = "cli:formerly-differing"
CLI_LINES = [
    "build/**",
    "!build/keep.txt",  # re-included below a "**" (its folder is not ignored)
    "**/cache/**",
    "!**/cache/keep.txt",
    "vendor/*",
    "!/vendor",  # a negated parent name: "vendor/lib/" is still ignored
    "generated/",
    "!static",  # "static/" is re-included, "static/generated/" is not
    "drafts/\r",  # a CRLF line: the "\r" after "/" anchors the rule to the root
    "logs/ ",  # so does a trailing space
    "/",  # a lone "/" matches nothing
    "notes\\*",  # a trailing "\\*" is a wildcard all the same
    "x[^a].css",  # "[^a]" is the set of "^" and "a"
    "k.txt",  # not the Kelvin sign
    "**/**/deep",  # two "**" in a row need a folder between them
    "*.tmp",
]
CLI_FILES = [
    ".assetsignore", "_headers", "index.html",
    "build/a.js", "build/keep.txt", "build/sub/x.js",
    "cache/a.txt", "cache/keep.txt", "site/cache/keep.txt", "site/cache/b.txt",
    "vendor/top.js", "vendor/lib/x.js", "static/generated/a.js", "static/b.js",
    "drafts/a.html", "blog/drafts/b.html",
    "logs/x.log", "app/logs/y.log",
    "notes.bak", "x^.css", "xa.css", "xb.css",
    "k.txt", "K.txt", "\u212a.txt",
    "deep", "a/deep", "a/b/deep",
    "a.tmp", "sub/b.TMP",
]  # fmt: skip
_TREE_NAMES = ("a", "b", "c")
_DEEP = ("a/b/c/d", "a/b/c/a", "a/a/a/a", "b/a/b/c", "c/b/a/b")

# Every odd kind of line, tested alone, re-included after "*", and ignored after "!*" lines.
# fmt: off
SINGLE_LINES = [
    # escapes
    "\\!a", "\\#a", "a\\ ", "a\\\\ ", "\\ a", "\\\\", "a\\\\", "a\\\\\\", "\\*", "\\?", "\\[a]",
    "\\a", "a\\b", "\\\\a", "\\\\*", "\\\\?", "a\\*b", "\\!", "\\#",
    # classes
    "[abc]", "[a-c]", "[A-C]", "[!a]", "[^a]", "[b-a]", "[a-]", "[-a]", "[]a]", "[a", "a]", "[a]b",
    "[[:alpha:]]", "[\\]a]", "[a\\]", "[\\d]", "[\\w]", "[\\s]", "[a-z0-9]", "[é]", "[É-é]",
    "[!]", "[^]", "[]", "[a/b]", "[*]", "[?]", "[.]", "x[ab]y", "[ab]*", "*[ab]",
    # case
    "A", "É", "é", "ß", "SS", "ss", "\u017f", "S", "\u212a", "K", "k", "\u0130", "\u0131", "I",
    "😀", "a😀",
    # whitespace
    " a", "a ", "a\t", "\ta", "a \t ", "a b", "a  ", " ", "\t", "a\\ \\ ", "a \\ ", "a\\\t",
    "a/ ", "a/\t",
    # comments
    "#a", " #a", "# a", "#", "!#a",
    # degenerate
    "!", "/", "!/", "\\", "**", "*", "***", "/**", "**/", "/*", "*/", "!*", "!**", "//", "a//b",
    "!!a", "!\\!a", "/a/", "a/**/", "**/**", "**/**/a", "a/**/**", "a**", "**a", "a**b",
    # regex metacharacters in names
    "a+b", "a(b)", "a{2}", "a|b", "$a", "^a", "a$", "a.b", "a.*", "*.*", ".a", ".*",
    # regex syntax leaking through escapes
    "\\\\|a", "a\\\\|", "\\\\^a", "a\\\\$", "\\\\.", "\\1", "\\0", "\\8", "\\d", "\\w", "\\b",
    "\\cA", "\\x41", "\\u0041", "a\\\\+", "a\\\\{2}",
]
# Lines whose regex V8 refuses (wrangler fails on the whole file).
ERROR_LINES = [
    "\\\\(", "a\\\\)", "\\\\(a", "[é-a]", "\\\\{2}", "\\\\*", "x\\\\[", "[\\d-a]", "a\\\\{2,1}",
    "\\\\(\\\\)", "\\\\(a\\\\)\\\\1",
]
# fmt: on
_ODD_NAMES = [
    "a",
    "b",
    "ab",
    "A",
    "B",
    "a.b",
    ".a",
    "a b",
    "a ",
    " a",
    "a\t",
    "\ta",
    "!a",
    "#a",
    "a!",
    "[a]",
    "*",
    "a*",
    "?",
    "\\",
    "a\\b",
    "é",
    "É",
    "ß",
    "SS",
    "\u017f",
    "S",
    "s",
    "K",
    "k",
    "\u212a",
    "\u0131",
    "\u0130",
    "i",
    "I",
    "a\rb",
    "a+b",
    "a(b)",
    "a{2}",
    "aa",
    "a|b",
    "$a",
    "^a",
    "a$",
    "😀",
    "a😀",
    "x",
    "c",
    "d",
    "[",
    "]",
    "-",
    "a-b",
    "a\\ ",
    "A1",
    "_",
    "a\u2028b",
    "a/b",
    "xaby",
]  # fmt: skip

_SEGMENTS = {
    "name": ["a", "b", "c", "A", "ab", "B"],
    "glob": ["*", "**", "a*", "*a", "*a*", "?", "a?", "**a", "a**", "***"],
    "class": ["[ab]", "[a-c]", "[A-Z]", "[!a]", "[^a]", "[b-a]", "[]a]", "[a", "[\\]a]"],
    "escape": ["\\*", "\\?", "\\[a]", "\\a", "\\\\", "a\\ b", "\\!a", "\\#a"],
    "odd": [
        "é",
        "É",
        "ß",
        "\u017f",
        "\u212a",
        "x y",
        ".a",
        "a.*",
        "a+b",
        "a(b)",
        "a{2}",
        "$a",
        "😀",
    ],
}
_WEIGHTS = {"name": 40, "glob": 25, "class": 12, "escape": 10, "odd": 13}
_RANDOM_NAMES = [
    "a", "b", "c", "A", "ab", "B", "é", "É", "ß", "SS", "\u017f", "s", "\u212a", "k", "x y", ".a",
    "a.b", "a+b", "a(b)", "a{2}", "$a", "😀", "[ab]", "*", "?", "!a", "#a", " a", "a ", "a\\b",
    "\\", "ba", "aab", "xa", "a]",
]  # fmt: skip


def tree_files() -> list[str]:
    """Every path of names a, b, c up to three deep, and a few deeper ones."""
    files = [
        "/".join(parts)
        for depth in range(1, 4)
        for parts in itertools.product(_TREE_NAMES, repeat=depth)
    ]
    return files + list(_DEEP)


def odd_files() -> list[str]:
    """Each odd name at the root, under a folder, and as a folder holding a file."""
    return [path for name in _ODD_NAMES for path in (name, f"x/{name}", f"{name}/f")]


def with_folders(files: list[str]) -> list[str]:
    """The files, then every folder above them (as ``a/b/``), each once."""
    out = list(dict.fromkeys(files))
    folders: dict[str, None] = {}
    for path in files:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            folders["/".join(parts[:depth]) + "/"] = None
    return out + list(folders)


def negation_family() -> list[tuple[str, str, str]]:
    """Negations at every depth below every kind of excluded parent."""
    bases = ["a/", "a", "/a", "a/**", "**/a", "a/*", "*/", "*", "**", "/a/b/", "a/b", "**/b/**"]
    negations = [
        "!a", "!/a", "!a/", "!a/b", "!a/b/", "!/a/b/c", "!a/b/c/", "!b", "!b/", "!**/c", "!a/**/c",
        "!*/b", "!a/*", "!a/**", "!**/b/", "!c", "!a/b/c/d", "!**", "!*", "!*/", "!**/a/**",
    ]  # fmt: skip
    cases = []
    for base, negation in itertools.product(bases, negations):
        cases.append((f"neg:{base}|{negation}", f"{base}\n{negation}\n", "tree"))
    for base, negation in itertools.product(["a/", "**/b", "*"], negations[:11]):
        text = f"{base}\n{negation}\n{negation[1:]}/c\n"  # re-included, then one below ignored
        cases.append((f"neg3:{base}|{negation}", text, "tree"))
    return cases


def globstar_family() -> list[tuple[str, str, str]]:
    """``**`` in every position of one to three segments, anchored or not, with or without a
    trailing ``/``, and as the exception to a ``*``."""
    cases = []
    for length in range(1, 4):
        names = list(_TREE_NAMES[:length])
        for count in (1, 2):
            for gaps in itertools.combinations(range(length + 1), count):
                parts: list[str] = []
                for index in range(length + 1):
                    parts += ["**"] if index in gaps else []
                    parts += [names[index]] if index < length else []
                body = "/".join(parts)
                for lead, tail in itertools.product(("", "/"), ("", "/")):
                    line = lead + body + tail
                    cases.append((f"star:{line}", line + "\n", "tree"))
                    cases.append((f"star-neg:{line}", f"*\n!{line}\n", "tree"))
    return cases


def single_family() -> list[tuple[str, str, str]]:
    cases = []
    for line in SINGLE_LINES:
        cases.append((f"one:{line}", line + "\n", "odd"))
        cases.append((f"one-neg:{line}", f"*\n!{line}\n", "odd"))
        cases.append((f"one-crlf:{line}", f"!*\r\n{line}\r\n", "odd"))
    return cases


def error_family() -> list[tuple[str, str, str]]:
    cases = [(f"error:{line}", f"a\n{line}\n", "odd") for line in ERROR_LINES]
    cases += [("nul", "a\n\0\n", "odd"), ("nul-in-line", "a\0b\n", "odd")]
    return cases


def random_line(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(["!", "/", "!/", "\\", "**", "*", "!*", "!**", "#", "/*", "*/", "", " "])
    kinds = list(_WEIGHTS)
    count = rng.choice([1, 1, 2, 2, 3, 4])
    parts = [
        rng.choice(_SEGMENTS[rng.choices(kinds, [_WEIGHTS[k] for k in kinds])[0]])
        for _ in range(count)
    ]
    line = "/".join(parts)
    line = ("/" if rng.random() < 0.2 else "") + line + ("/" if rng.random() < 0.2 else "")
    roll = rng.random()
    if roll < 0.3:
        line = "!" + line
    elif roll < 0.34:
        line = "#" + line
    if rng.random() < 0.05:
        line = rng.choice([" ", "\t", "  "]) + line
    roll = rng.random()
    if roll < 0.1:
        line += rng.choice([" ", "  ", "\t", " \t"])
    elif roll < 0.14:
        line += rng.choice(["\\ ", "\\ \\ ", " \\ "])
    return line


def random_family(rng: random.Random, lists: int) -> list[tuple[str, str, str]]:
    cases = []
    for number in range(700):
        lines = [random_line(rng) for _ in range(rng.randint(1, 5))]
        text = ("\r\n" if rng.random() < 0.25 else "\n").join(lines)
        text = ("\ufeff" if rng.random() < 0.03 else "") + text
        text += "\n" if rng.random() < 0.5 else ""
        cases.append((f"random:{number}", text, f"random{rng.randrange(lists)}"))
    return cases


def random_files(rng: random.Random) -> list[str]:
    files = {
        "/".join(rng.choice(_RANDOM_NAMES) for _ in range(rng.randint(1, 4))) for _ in range(36)
    }
    return sorted(files)


def build_corpus() -> tuple[dict[str, list[str]], list[tuple[str, str, str]]]:
    rng = random.Random(SEED)
    path_lists = {"tree": with_folders(tree_files()), "odd": with_folders(odd_files())}
    path_lists[CLI_CASE] = with_folders(CLI_FILES)
    cases: list[tuple[str, str, str]] = [(CLI_CASE, "\n".join(CLI_LINES) + "\n", CLI_CASE)]
    for name, lines, files in HAND_CASES:
        path_lists[f"hand:{name}"] = with_folders(files)
        cases.append((f"hand:{name}", "\n".join(lines), f"hand:{name}"))
    random_lists = 24
    for number in range(random_lists):
        path_lists[f"random{number}"] = with_folders(random_files(rng))
    cases += negation_family() + globstar_family() + single_family() + error_family()
    cases += random_family(rng, random_lists)
    return path_lists, cases


def check_corpus(path_lists: dict[str, list[str]], cases: list[tuple[str, str, str]]) -> list[str]:
    """Problems with the corpus: duplicate names, paths wrangler's listing could not give."""
    problems = []
    names = [name for name, _, _ in cases]
    problems += [f"duplicate case {name!r}" for name in names if names.count(name) > 1]
    for key, paths in path_lists.items():
        for path in paths:
            segments = path.removesuffix("/").split("/")
            if any(s in ("", ".", "..") for s in segments) or not segments[0].strip("."):
                problems.append(f"{key}: bad path {path!r}")
        if len(set(paths)) != len(paths):
            problems.append(f"{key}: duplicate paths")
    return problems


def main() -> int:
    path_lists, cases = build_corpus()
    problems = check_corpus(path_lists, cases)
    if problems:
        print("\n".join(problems[:20]), file=sys.stderr)
        return 1
    request = {
        "defaults": DEFAULTS,
        "path_lists": path_lists,
        "cases": [{"name": name, "text": text, "paths": key} for name, text, key in cases],
    }
    results: list[dict[str, Any]] = run_with_package(
        f"ignore@{IGNORE_VERSION}", NODE_PROGRAM, "eval.cjs", stdin=json.dumps(request)
    )
    used = {case["paths"] for case in results if "paths" in case}
    fixture = {
        "about": __doc__.split("\n\n")[0] if __doc__ else "",
        "ignore": IGNORE_VERSION,
        "seed": SEED,
        "defaults": DEFAULTS,
        "path_lists": {key: paths for key, paths in path_lists.items() if key in used},
        "cases": results,
    }
    write(fixture)
    pairs = sum(len(case.get("ignored", "")) for case in results)
    errors = sum("error" in case for case in results)
    rel = OUTPUT.relative_to(REPO_ROOT)
    print(f"wrote {rel}: {len(results)} cases ({errors} refused), {pairs} (case, path) pairs")
    return 0


def write(fixture: dict[str, Any]) -> None:
    """One case per line, so a regenerated fixture diffs line by line."""
    head = {key: value for key, value in fixture.items() if key not in ("path_lists", "cases")}
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lists = [
        f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
        for k, v in fixture["path_lists"].items()
    ]
    lines += ['  "path_lists": {', ",\n".join(lists), "  },", '  "cases": [']
    lines.append(",\n".join(f"    {json.dumps(c, ensure_ascii=False)}" for c in fixture["cases"]))
    lines += ["  ]", "}"]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
