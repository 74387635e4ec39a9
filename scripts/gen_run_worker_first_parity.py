"""Generate ``tests/fixtures/run_worker_first_parity.json``: what wrangler says about lists of
``run_worker_first`` rules.

wrangler (the newest unless a version is given) is installed from the npm registry into a
temporary directory, never into the repository. Its bundle (``wrangler-dist/cli.js``) carries
workers-shared's ``parseStaticRouting``, the function ``wrangler deploy`` runs on the rules before
it uploads anything; a small Node program cuts that module and its constants out of the bundle,
runs it on every case and records the error it throws (or null: accepted). Cases are hand-picked
(every rule of the validator, lengths counted in UTF-16, the 100-rule limit with and without
duplicates) plus a seeded random corpus of short lists drawn from tricky rules.

Rerun with::

    python3 scripts/gen_run_worker_first_parity.py [--wrangler-version 4.164.0]

Requires ``node`` and ``npm`` on PATH.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Final

from npm_probe import run_with_package

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
OUTPUT: Final = REPO_ROOT / "tests" / "fixtures" / "run_worker_first_parity.json"
RANDOM_CASES: Final = 1000

# Reads [[rule, ...], ...] on stdin; writes {"wrangler": version, "cases": [{rules, error}]}.
NODE_PROGRAM: Final = """\
const fs = require("fs");
const path = require("path");
const root = path.join("node_modules", "wrangler");
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
const src = fs.readFileSync(path.join(root, "wrangler-dist", "cli.js"), "utf8");
function cut(start, end) {
  const from = src.indexOf(start);
  const to = src.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error("not in the bundle: " + start);
  return src.slice(from, to);
}
const shared = "// ../workers-shared/utils/";
const routingFile = shared + "configuration/parseStaticRouting.ts";
const constants = cut(shared + "configuration/constants.ts", routingFile);
const routing = cut(routingFile, shared + "constants.ts");
const parseStaticRouting = new Function(`
  const __name = (f) => f;
  const __esm = (o) => { const f = Object.values(o)[0]; let done = false;
    return () => { if (!done) { done = true; f(); } }; };
  const init_import_meta_url = () => {};
  ${constants}
  ${routing}
  init_parseStaticRouting();
  return parseStaticRouting;
`)();
const cases = JSON.parse(fs.readFileSync(0, "utf8")).map((rules) => {
  try {
    parseStaticRouting(rules);
    return { rules, error: null };
  } catch (error) {
    return { rules, error: error.message };
  }
});
process.stdout.write(JSON.stringify({ wrangler: version, cases }));
"""

#: Rules the random lists are drawn from: globs and what they cover, negations, bad starts,
#: spaces (lengths are hand-picked cases: long rules would fill the fixture with messages).
POOL: Final = (
    "/",
    "/*",
    "/api",
    "/api/*",
    "/api/x",
    "/api/x/*",
    "/api/**",
    "/api*",
    "/apix",
    "!/",
    "!/*",
    "!/api/*",
    "!/api/x",
    "!/api/x/*",
    "!/static/*",
    "!/static/a.css",
    "/static/*",
    " /api",
    "/api ",
    "\t/x",
    "api/*",
    "!api",
    "!",
    "*",
    "!*",
    "",
    "/API/*",
)

HAND: Final[list[list[str]]] = [
    [],
    ["/api/*"],
    ["/api/*", "!/api/docs/*"],
    ["!/api/*"],
    ["!/a", "!/b"],
    ["api"],
    ["!api"],
    [" /api/*"],
    ["/api/*", "/api/*"],
    ["/api/*", "/api/some/route"],
    ["/api/*", "!/api/*"],
    ["!/a/*", "!/a/b", "/x"],
    ["/a*", "/a", "/ab", "/b"],
    ["/" + "x" * 99],
    ["/" + "x" * 100],
    ["/" + "\U0001f600" * 49 + "x"],
    ["/" + "\U0001f600" * 50],
    ["!/" + "c" * 98, "!/" + "c" * 99, "/" + "\U0001f600" * 50 + "*", "/" + "\U0001f600" * 50],
    [f"/r{i}" for i in range(100)],
    [f"/r{i}" for i in range(101)],
    ["/same"] * 101,
    [f"/r{i % 60}" for i in range(150)],
    [f"/r{i % 99}" for i in range(101)],
    ["/api/*", "/api/*", "/api/x", "/api/x"],
    ["/a", "!a", "b", "!/c"],
]


def cases(seed: int = 14) -> list[list[str]]:
    """The hand-picked lists, then :data:`RANDOM_CASES` seeded random ones of 1 to 6 rules."""
    rng = random.Random(seed)
    drawn = [[rng.choice(POOL) for _ in range(rng.randint(1, 6))] for _ in range(RANDOM_CASES)]
    return HAND + drawn


def main() -> None:
    """Run wrangler's validator on every case and write the fixture."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wrangler-version", default="latest")
    args = parser.parse_args()
    result = run_with_package(
        f"wrangler@{args.wrangler_version}",
        NODE_PROGRAM,
        "probe.cjs",
        stdin=json.dumps(cases()),
    )
    lines = [json.dumps(case, ensure_ascii=False) for case in result["cases"]]
    text = f'{{"wrangler": "{result["wrangler"]}", "cases": [\n' + ",\n".join(lines) + "\n]}\n"
    OUTPUT.write_text(text, encoding="utf-8")
    refused = sum(case["error"] is not None for case in result["cases"])
    print(
        f"wrote {OUTPUT.relative_to(REPO_ROOT)}: wrangler {result['wrangler']}, "
        f"{len(result['cases'])} cases, {refused} refused"
    )


if __name__ == "__main__":
    main()
