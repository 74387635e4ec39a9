"""Ignore rules: root config files, reading ``.assetsignore``, include/exclude, the fast path.
(Parity with npm ``ignore@5.3.1`` over the generated fixture: ``test_ignore_parity.py``.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from entrypoint.errors import ConfigurationError
from entrypoint.site import ignore as ignore_module
from entrypoint.site.ignore import IgnoreRules, read_assetsignore
from entrypoint.site.npmignore.matcher import NpmIgnore
from tests.support.pathspec_reference import PathspecReference


@pytest.mark.parametrize("name", ["_headers", "_redirects", ".assetsignore"])
def test_root_config_files_are_always_skipped_nested_ones_kept(name: str) -> None:
    rules = IgnoreRules()
    assert rules.skips(name) is True
    assert rules.skips(f"sub/{name}") is False
    assert rules.skips(f"a/b/{name}") is False


@pytest.mark.parametrize("name", ["_HEADERS", "_Redirects", ".AssetsIgnore"])
def test_root_config_files_are_skipped_case_insensitively(name: str) -> None:
    assert IgnoreRules().skips(name) is True


def test_nothing_else_is_skipped_by_default() -> None:
    rules = IgnoreRules()
    for path in [".git/config", "node_modules/x/index.js", ".env", ".DS_Store", "index.html"]:
        assert rules.skips(path) is False


def test_read_assetsignore_tolerates_crlf_and_bom() -> None:
    lines = read_assetsignore("\ufeff*.bak\r\n# comment\r\n/secret\r\n".encode())
    assert lines == ["*.bak\r", "# comment\r", "/secret\r", ""]  # ignore deals with the "\r"
    rules = IgnoreRules(lines)
    assert rules.skips("a.BAK") is True
    assert rules.skips("secret/x.txt") is True
    assert rules.skips("# comment") is False
    assert rules.skips("keep.txt") is False


def test_exclude_is_case_sensitive() -> None:
    rules = IgnoreRules(exclude=["*.map", "drafts/"])
    assert rules.skips("js/app.js.map") is True
    assert rules.skips("js/app.js.MAP") is False
    assert rules.skips("drafts/post.html") is True
    assert rules.skips("Drafts/post.html") is False
    assert rules.skips("js/app.js") is False


def test_include_keeps_only_matching_files_case_sensitively() -> None:
    rules = IgnoreRules(include=["*.html", "assets/"])
    assert rules.skips("index.html") is False
    assert rules.skips("docs/page.html") is False
    assert rules.skips("assets/logo.png") is False
    assert rules.skips("INDEX.HTML") is True
    assert rules.skips("style.css") is True


def test_exclude_wins_over_include() -> None:
    rules = IgnoreRules(include=["*.html"], exclude=["drafts/"])
    assert rules.skips("drafts/a.html") is True
    assert rules.skips("a.html") is False


def test_assetsignore_wins_over_include() -> None:
    rules = IgnoreRules(["secret.html"], include=["*.html"])
    assert rules.skips("secret.html") is True
    assert rules.skips("SECRET.HTML") is True
    assert rules.skips("public.html") is False


def test_include_does_not_bring_back_root_config_files() -> None:
    rules = IgnoreRules(include=["_headers", "*"])
    assert rules.skips("_headers") is True
    assert rules.skips("x") is False


def test_skips_dir_prunes_whole_directories() -> None:
    rules = IgnoreRules(["node_modules/"], exclude=["build"])
    assert rules.skips_dir("node_modules") is True
    assert rules.skips_dir("a/NODE_MODULES") is True
    assert rules.skips_dir("build") is True
    assert rules.skips_dir("src") is False


@pytest.mark.parametrize("source", ["include", "exclude"])
@pytest.mark.parametrize("bad", ["!", "trailing\\"])
def test_invalid_include_or_exclude_pattern_is_a_configuration_error(source: str, bad: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"Invalid input '{source}': line 2") as caught:
        IgnoreRules(**{source: ["*.html", bad]})
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("source", ["include", "exclude"])
def test_reversed_character_range_is_a_configuration_error(source: str) -> None:
    # "[z-a]" becomes a regex set that ``re`` refuses with ``re.error``.
    with pytest.raises(ConfigurationError, match=rf"Invalid input '{source}': line 1"):
        IgnoreRules(**{source: ["[z-a].html"]})


@pytest.mark.parametrize(
    ("data", "where"), [(b"a\n\x00\n", "line 2 holds a NUL"), (b"ok\n\xff", "byte 3 is not UTF-8")]
)
def test_an_assetsignore_wrangler_cannot_read_is_refused(data: bytes, where: str) -> None:
    with pytest.raises(ConfigurationError, match="must be UTF-8 encoded") as caught:
        read_assetsignore(data)
    assert where in caught.value.message
    assert caught.value.exit_code == 2


def test_an_assetsignore_line_wrangler_fails_on_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"line 2 .*Unterminated group") as caught:
        IgnoreRules(["*.bak", "\\\\(", "x"])
    assert caught.value.exit_code == 2


def test_an_assetsignore_line_we_cannot_match_in_linear_time_is_refused() -> None:
    # "\\(a\\)\1" leaks a group and a backreference into the regex: refused, not guessed.
    with pytest.raises(ConfigurationError, match=r"line 1 .*backreference"):
        IgnoreRules(["\\\\(a\\\\)\\1"])


def test_an_assetsignore_line_nesting_leaked_groups_too_deep_is_refused() -> None:
    line = "\\\\(" * 3000 + "a" + "\\\\)" * 3000  # V8 reads it; Python's stack would not
    with pytest.raises(ConfigurationError, match=r"line 1 .*nests groups deeper") as caught:
        IgnoreRules([line])
    assert caught.value.exit_code == 2


def test_line_ending_in_one_backslash_is_no_rule() -> None:
    rules = IgnoreRules(["trailing\\", "*.bak"])
    assert rules.skips("a.bak") is True
    assert rules.skips("a.txt") is False
    assert rules.skips("trailing") is False


def test_reversed_character_range_in_assetsignore_does_not_crash() -> None:
    rules = IgnoreRules(["[z-a].txt", "*.bak"])
    assert rules.skips("a.bak") is True
    assert rules.skips("a.txt") is False


_ROOT_RULES = [
    "/_headers",
    "/_redirects",
    "/.assetsignore",
    "",
    "   ",
    "# a comment",
    "/Docs",
    "/k",
]
_PATHS = [
    "_headers",
    "_HEADERS",
    "_headers/x.css",
    "sub/_headers",
    "docs",
    "Docs",
    "docs/a.html",
    "Docs/a/b.html",
    "xdocs",
    "Docs.html",
    "index.html",
    ".assetsignore",
    "a/.assetsignore",
]


def test_assetsignore_rules_naming_root_entries_match_as_npm_ignore_does() -> None:
    fast = ignore_module._compile_assets(_ROOT_RULES)
    slow = NpmIgnore(_ROOT_RULES)
    assert isinstance(fast, ignore_module._RootEntries)
    for path in [*_PATHS, "\u212a", "k"]:  # the Kelvin sign is no "k" to JavaScript
        parts = path.split("/")
        above = any(slow.folder("/".join(parts[:depth])) for depth in range(1, len(parts)))
        assert fast.matches_file(path) is (above or slow.file(path)), path
        assert fast.matches_dir(path) is (above or slow.folder(path)), path


def test_exclude_rules_naming_root_entries_match_as_the_general_rules_do() -> None:
    fast = ignore_module._compile(_ROOT_RULES, source="x")
    slow = ignore_module._compile_rules(_ROOT_RULES, source="x")
    reference = PathspecReference(_ROOT_RULES)
    assert isinstance(fast, ignore_module._RootEntries)
    for path in _PATHS:
        assert fast.matches_file(path) is slow.matches_file(path) is reference.file(path), path
        assert fast.matches_dir(path) is slow.matches_dir(path) is reference.folder(path), path


@pytest.mark.parametrize(
    "rule", ["*.map", "/a/b", "docs", "/a*", "!/x", "/x ", "/\\#x", "/..", "/x\r", "!"]
)
def test_other_rules_go_through_the_general_rules(rule: str) -> None:
    compiled = ignore_module._compile_assets(["/_headers", rule])
    assert not isinstance(compiled, ignore_module._RootEntries)


def test_the_walk_never_imports_pathspec() -> None:
    code = (
        "import sys\n"
        "from entrypoint.site.ignore import IgnoreRules\n"
        "rules = IgnoreRules(['# comment', ''], (), ('/private',))\n"
        "assert rules.skips('_headers') and rules.skips('private/a') and not rules.skips('a')\n"
        "rules = IgnoreRules(['**/drafts/**', '*.map'], ('*.html',), ('a/**/b',))\n"
        "assert rules.skips('x/drafts/y.html') and not rules.skips('x/y.html')\n"
        "assert 'pathspec' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("line", "plain"),
    [
        ("node_modules", True),
        ("*.map", True),
        ("/drafts", True),
        ("docs/build/", True),
        ("**/secret", True),
        ("**/a/b/", True),
        ("a.b$c(d)", True),
        ("a*b", False),
        ("**", False),
        ("[ab]", False),
        ("a/**", False),
        ("a?", False),
        ("/", False),
    ],
)
def test_plain_rules_are_table_lookups(line: str, plain: bool) -> None:
    rules = NpmIgnore([line])
    assert (rules.size == 0) is plain


def test_thousands_of_generated_names_cost_no_automaton_work() -> None:
    lines = [f"file-{number}.html" for number in range(2000)] + ["!/keep/*.html", "*.bak"]
    rules = NpmIgnore(lines)
    assert rules.file("a/b/file-1999.html") is True
    assert rules.file("a/b/FILE-7.HTML") is True
    assert rules.file("a/b/file-2000.html") is False
    assert rules.file("keep/file-3.html") is False  # the negation is the one automaton rule
    assert rules.file("x.BAK") is True
    assert rules.steps <= 40 * rules.size
