"""The include rule between the layers: each layer includes only the layers below it and itself.

common/ is the floor (URL, HTTP client, log, files, time, units, JSON); config/ and sinks/ build on it;
daemon/ is the roof; the simulators use only common/. Run with --graph to print the folder-level include
graph (module -> modules it includes, with counts)."""
import collections
import pathlib
import re
import sys
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ALLOWED = {
    "common": {"common"},
    "config": {"common", "config"},
    "sinks": {"common", "config", "sinks"},
    "daemon": {"common", "config", "sinks", "daemon"},
    "sim": {"common", "sim"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def project_includes(layer):
    """(file, included path) for every quoted include of a project header in the layer's sources."""
    for path in sorted((ROOT / layer).rglob("*")):
        if path.suffix not in (".cpp", ".hpp", ".h"):
            continue
        for target in INCLUDE.findall(path.read_text(errors="replace")):
            if target.split("/", 1)[0] in ALLOWED:
                yield path.relative_to(ROOT), target


def module_of(path):
    parts = pathlib.PurePosixPath(path).parts
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


class include_rule(unittest.TestCase):
    def test_every_layer_includes_only_what_is_below_it(self):
        wrong = []
        for layer, allowed in ALLOWED.items():
            for source, target in project_includes(layer):
                if target.split("/", 1)[0] not in allowed:
                    wrong.append(f"{source} includes {target}")
        self.assertEqual(wrong, [], "layer rule broken (see tests/common/test_layers.py)")

    def test_every_include_names_a_file_that_exists(self):
        missing = [f"{s}: {t}" for layer in ALLOWED for s, t in project_includes(layer) if not (ROOT / t).is_file()]
        self.assertEqual(missing, [])

    def test_the_rule_sees_a_violation(self):
        # The checker itself: a file of sinks/ that included daemon/ would be reported.
        self.assertNotIn("daemon", ALLOWED["sinks"])
        self.assertTrue(INCLUDE.findall('#include "daemon/forwarder/forwarder.hpp"\n'))


def graph():
    edges = collections.Counter()
    for layer in ALLOWED:
        for source, target in project_includes(layer):
            a, b = module_of(source), module_of(target)
            if a != b:
                edges[(a, b)] += 1
    for (a, b), n in sorted(edges.items()):
        print(f"{a} -> {b} ({n})")


if __name__ == "__main__":
    if "--graph" in sys.argv:
        graph()
    else:
        unittest.main()
