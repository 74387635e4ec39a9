"""Generate ``tests/fixtures/ignore_parity.json`` from the npm package ignore@5.3.1.

Each case records what npm ``ignore`` (default options, i.e. ignorecase) says
about a set of relative POSIX file paths, used exactly as Cloudflare wrangler
uses it: ``ignore().add(lines)`` with ``lines = text.split("\\n")`` (so a CRLF
file leaves a trailing ``"\\r"`` on each line), then ``ig.ignores(relpath)``.
Output: a JSON list of ``{"name", "patterns", "paths": {path: ignored}}``.

ignore is installed from the npm registry into a temporary directory (never
into the repository) and driven by a small generated Node program.

Rerun with::

    python3 scripts/gen_ignore_parity.py

Requires ``node`` and ``npm`` on PATH.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from npm_probe import run_with_package

IGNORE_VERSION = "5.3.1"
REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "tests" / "fixtures" / "ignore_parity.json"

# Reads [[name, patterns, paths], ...] on stdin; throws (non-zero exit) if
# ignore rejects a pattern or a path, so only accepted inputs get recorded.
NODE_PROGRAM = """\
const ignore = require("ignore");
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = cases.map(([name, patterns, paths]) => {
  const ig = ignore().add(patterns);
  const results = {};
  for (const p of paths) results[p] = ig.ignores(p);
  return { name, patterns, paths: results };
});
process.stdout.write(JSON.stringify(out));
"""

# (name, pattern lines, file paths to test). Paths never end with "/".
# fmt: off
CASES: list[tuple[str, list[str], list[str]]] = [
    ("plain-name-any-depth", ["sub-dir"],
     ["sub-dir", "sub-dir/a.txt", "a/sub-dir/b.txt", "a/b/sub-dir", "sub-dirx/a.txt",
      "a/sub-dir-2.txt"]),
    ("case-insensitive-ext", ["*.BAK"],
     ["a.bak", "A.BAK", "x/y/a.Bak", "a.bak.txt", "bak"]),
    ("case-insensitive-name", ["Makefile"],
     ["makefile", "MAKEFILE", "src/makefile", "Makefile.am"]),
    ("root-anchored", ["/a"], ["a", "a/x.txt", "b/a", "b/a/x.txt", "ab"]),
    ("middle-slash-anchors", ["docs/build"],
     ["docs/build", "docs/build/x.html", "a/docs/build/x.html"]),
    ("dir-only", ["dir/"],
     ["dir", "dir/x.txt", "dir/y/z.txt", "a/dir/x.txt", "a/dir", "dirx/a.txt"]),
    ("dir-excluded-no-reinclude", ["dir/", "!dir/keep.txt"],
     ["dir/keep.txt", "dir/x.txt", "dir"]),
    ("negation", ["*.txt", "!keep.txt"],
     ["a.txt", "keep.txt", "sub/keep.txt", "sub/a.txt", "a.md"]),
    ("negation-before-pattern", ["!keep.txt", "*.txt"], ["keep.txt", "a.txt"]),
    ("negation-case-insensitive", ["*.TXT", "!KEEP.txt"], ["keep.TXT", "a.txt"]),
    ("whitelist-idiom", ["*", "!*/", "!*.js"],
     ["a.js", "a.txt", "d/a.js", "d/a.txt", "d/e/f.JS", "README"]),
    ("double-star-prefix", ["**/foo"],
     ["foo", "a/foo", "a/b/foo", "a/foo/x.txt", "foox"]),
    ("double-star-prefix-path", ["**/foo/bar"],
     ["foo/bar", "a/foo/bar", "a/b/foo/bar/x", "foo/baz"]),
    ("double-star-suffix-negated", ["foo/**", "!foo/bar/**"],
     ["foo", "foo/x.txt", "foo/bar", "foo/bar/x.txt", "foo/baz/bar/x.txt"]),
    ("double-star-middle", ["a/**/b"],
     ["a/b", "a/x/b", "a/x/y/b", "a/b/c.txt", "x/a/b", "a/bb"]),
    ("double-star-suffix", ["logs/**"],
     ["logs", "logs/a.log", "logs/x/y.log", "a/logs/b.log"]),
    ("escaped-hash-and-bang", ["\\#foo", "\\!bar"],
     ["#foo", "!bar", "foo", "bar", "sub/#foo"]),
    ("comments", ["# comment", "#foo", "real"],
     ["# comment", "#foo", "real", "comment"]),
    ("crlf-line-endings", ["*.log\r", "build\r", "!keep.log\r"],
     ["a.log", "build", "build/out.js", "keep.log", "a.txt"]),
    ("leading-space-significant", [" foo"], ["foo", " foo", "a/ foo"]),
    ("trailing-space-trimmed", ["bar  "], ["bar", "bar ", "bar  "]),
    ("escaped-trailing-space", ["bar\\ "], ["bar", "bar "]),
    ("unicode-names", ["béëp/*.txt"],
     ["béëp/a.txt", "BÉËP/a.txt", "béëp/a.md", "béëp/sub/a.txt", "x/béëp/a.txt"]),
    ("names-with-spaces", ["my file.txt", "some dir/"],
     ["my file.txt", "a/my file.txt", "myfile.txt", "some dir/x.txt", "some dir"]),
    ("question-mark", ["file?.txt"],
     ["file1.txt", "fileA.txt", "file.txt", "file12.txt", "dir/file1.txt"]),
    ("char-class", ["[abc].txt"], ["a.txt", "b.txt", "d.txt", "A.txt", "ab.txt"]),
    ("char-range", ["log[0-9].txt"], ["log1.txt", "log9.txt", "loga.txt", "log10.txt"]),
    ("bang-class-quirk", ["[!a]"], ["a", "b", "!", "x/a", "x/b"]),
    ("bang-class-ext", ["[!a].txt"], ["a.txt", "b.txt", "!.txt"]),
    ("star-no-slash", ["a*b"], ["ab", "axxb", "a/b", "x/ayb"]),
    ("blank-lines", ["", "   ", "*.tmp", ""], ["a.tmp", "b.txt", "sub/c.tmp"]),
    ("dotfiles", [".env", ".*.swp"], [".env", "sub/.env", ".a.swp", "a.swp", ".envrc"]),
    ("dir-contents-reinclude-subdir", ["build/*", "!build/keep/"],
     ["build/a.txt", "build/keep/x.txt", "build/keep", "build"]),
    ("star-slash", ["*/"], ["a", "a/b.txt", "a/b/c.txt"]),
    ("nested-double-stars", ["**/a/**/a/**/b"],
     ["a/a/b", "a/b", "a/x/a/y/b", "x/a/a/b/c.txt", "a/a/a/a/a/a/x", "b/a/a", "a/aa/b",
      "a/a/b/b"]),
    ("stars-in-one-name", ["*a*a*b"],
     ["aab", "xaxaxb", "ab", "aaab.txt", "d/axab", "aab/c.txt", "abab", "baab"]),
    ("wrangler-defaults", ["node_modules", ".git", ".DS_Store"],
     ["node_modules/x/index.js", "a/node_modules/y.js", ".git/HEAD", "sub/.ds_store",
      "index.html"]),
]
# fmt: on


def run_ignore(cases: list[tuple[str, list[str], list[str]]]) -> list[dict[str, Any]]:
    """Install ignore into a temp dir and evaluate every case with it."""
    package = f"ignore@{IGNORE_VERSION}"
    result: list[dict[str, Any]] = run_with_package(
        package, NODE_PROGRAM, "eval.cjs", stdin=json.dumps(cases)
    )
    return result


def main() -> int:
    names = [name for name, _, _ in CASES]
    if len(set(names)) != len(names):
        print("duplicate case names", file=sys.stderr)
        return 1
    for name, _, paths in CASES:  # ignore() throws on "", "./x" and "/x"
        bad = [p for p in paths if not p or p.startswith(("/", "./"))]
        bad += [p for p in paths if p.endswith("/")]
        if bad or len(set(paths)) != len(paths):
            print(f"{name}: bad or duplicate paths {bad}", file=sys.stderr)
            return 1
    result = run_ignore(CASES)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    OUTPUT.write_text(text + "\n", encoding="utf-8")
    n_paths = sum(len(case["paths"]) for case in result)
    rel = OUTPUT.relative_to(REPO_ROOT)
    print(f"wrote {rel}: {len(result)} cases, {n_paths} paths")
    return 0


if __name__ == "__main__":
    sys.exit(main())
