"""The import scanner: every static and dynamic string specifier, and nothing a comment, a
string, a template literal or a regular expression merely contains."""

from __future__ import annotations

import time

import pytest

from entrypoint.jsimports import imported_specifiers


def _specifiers(source: str) -> list[str]:
    return [site.specifier for site in imported_specifiers(source)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Every static form.
        ('import a from "./a.js"', ["./a.js"]),
        ("import {b as c, \"d-e\" as f} from './b.js'", ["./b.js"]),
        ('import * as n from "./n.js"', ["./n.js"]),
        ('import def, { a } from "./mix.js"', ["./mix.js"]),
        ('import def, * as all from "./both.js"', ["./both.js"]),
        ('import "./side.js"', ["./side.js"]),
        ('import json from "./d.json" with { type: "json" }', ["./d.json"]),
        ('export * from "./re.js"', ["./re.js"]),
        ('export * as q from "./q.js"', ["./q.js"]),
        ('export { x, y as z } from "./x.js"', ["./x.js"]),
        ('export { x }; export default 1; export const y = "./no.js"', []),
        # Names that are keywords elsewhere.
        ('import { from } from "./from.js"', ["./from.js"]),
        ('import from from "./ff.js"', ["./ff.js"]),
        # Dynamic imports: a string or a plain template; a computed one has no specifier.
        ('const m = await import("./dyn.js")', ["./dyn.js"]),
        ("import(`./tpl.js`)", ["./tpl.js"]),
        ('import("./opts.js", { with: { type: "json" } })', ["./opts.js"]),
        ("import(name); import(`./${name}.js`); import('./a' + b)", []),
        ("const u = import.meta.url", []),
        # Comments, including between the words of a declaration.
        ('// import "./c1.js"\n/* import "./c2.js" */', []),
        ('import /*a*/ x /*b*/ from /*c*/ "./cm.js"', ["./cm.js"]),
        ('import\n  // x\n  y from "./nl.js"', ["./nl.js"]),
        ("#!/usr/bin/env node\nimport './bang.js'", ["./bang.js"]),
        # Strings and templates.
        ("const s = \"import './s.js'\"; const t = 'export * from \"./t.js\"'", []),
        ('const t = `import "./t1.js" ${ import("./in.js") } x`', ["./in.js"]),
        ('y = `${ `${ "}" }` }` ; import "./after.js"', ["./after.js"]),
        ("x = `a\\`import('./esc.js')`", []),
        ('x = "a\\"import(\'./q.js\')"; import "./real.js"', ["./real.js"]),
        # Regular expressions, told from divisions.
        ('const r = /import("\\.\\/r.js")/g', []),
        ('x = /[/]import "\\.\\/cls.js"/; import "./after-re.js"', ["./after-re.js"]),
        ('const q = a / b / import("./div.js")', ["./div.js"]),
        ('a++ / import("./inc.js") / 2', ["./inc.js"]),
        ('return /import "x"/.test(s)', []),
        ('x = (a) / import("./paren.js")', ["./paren.js"]),
        ('a /*c*/ / b; import "./k.js"', ["./k.js"]),
        ('f(/"/); import "./quote-in-re.js"', ["./quote-in-re.js"]),
        ('if (a) /"/.test(b); import("./after-if.js")', ["./after-if.js"]),
        ("while(x)/'/g.exec(y);import('./after-while.js')", ["./after-while.js"]),
        ('o.if(a) / 2; import("./prop-if.js") / "x"', ["./prop-if.js"]),
        ('x = `${/"/.test(a)}`; import("./re-in-sub.js")', ["./re-in-sub.js"]),
        ('x = `a${b}${/`/.source}`; import("./re-after-sub.js")', ["./re-after-sub.js"]),
        # Properties, private names and longer names are not the keyword.
        ('obj.import("./p.js"); #import; ximport("./x.js"); const o = { import: 1 }', []),
        # A declaration only stands at the top level; import() anywhere.
        ('function f() { import("./nested.js") }', ["./nested.js"]),
        ('{ import "./block.js" }', []),
        # Escapes in the specifier are decoded.
        ('import "./\\x61.js"; import "./\\u{62}.js"', ["./a.js", "./b.js"]),
        # Broken sources: an unterminated string ends at its line, the rest is read.
        ('"unterminated\nimport "./u.js"', ["./u.js"]),
        ("`unterminated ${ import('./t.js')", ["./t.js"]),
        ("/* unterminated import './c.js'", []),
    ],
)
def test_specifiers(source: str, expected: list[str]) -> None:
    assert _specifiers(source) == expected


def test_sites_carry_the_line_of_each_specifier() -> None:
    source = 'import "./a.js";\n\n/* x\n */ import b from "./b.js"\n'
    assert [(s.specifier, s.line) for s in imported_specifiers(source)] == [
        ("./a.js", 1),
        ("./b.js", 4),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "{" * 200_000 + "}" * 200_000,
        "`${" * 100_000,
        "a/" * 200_000,
        "import {" + "a," * 200_000,
        "export {" * 100_000,
        '"' + "\\" * 200_001,
        "/[" * 200_000,
        "x = /[" * 200_000,
        "import a, " * 200_000,
        "export *, " * 200_000,
        "import(" * 200_000,
        "'\\" * 200_000,
        "`" * 200_001,
        "x=" + "a" * 200_000 + " + /re/",
        "(" * 200_000 + ")" * 200_000,
        "if(" * 100_000,
    ],
)
def test_hostile_shapes_are_read_to_the_end_in_linear_time(source: str) -> None:
    started = time.perf_counter()
    imported_specifiers(source + '\nimport("./end.js")')  # no error, no runaway recursion
    # Each takes well under a second; quadratic, the slowest of them took minutes.
    assert time.perf_counter() - started < 10
