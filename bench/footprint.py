#!/usr/bin/env python3
"""Print the install footprint of Debian packages: the Installed-Size of
each package plus that of its recursive Depends and Pre-Depends, as dpkg
records them on this machine.

    footprint.py PACKAGE...

prints one line per package: "PACKAGE OWN_KIB TOTAL_KIB COUNT": the
package's own Installed-Size (dpkg's unit, KiB), the sum over the closure,
and the number of packages in the closure. Each alternative group ("a | b") counts the first
alternative that is installed, directly or through Provides; Recommends and
Suggests are left out, as on an install with --no-install-recommends.
"""
import re
import subprocess
import sys

FIELDS = "${Package}\t${Status}\t${Installed-Size}\t${Provides}\t${Pre-Depends}, ${Depends}\n"


def installed_packages():
    """Map each installed package to (size KiB, list of alternative groups)."""
    out = subprocess.run(["dpkg-query", "-W", "-f", FIELDS], check=True,
                         capture_output=True, text=True).stdout
    packages, providers = {}, {}
    for line in out.splitlines():
        name, status, size, provides, depends = line.split("\t")
        if not status.endswith(" installed"):
            continue
        name = name.split(":")[0]
        groups = []
        for group in depends.split(","):
            alternatives = [bare_name(a) for a in group.split("|") if bare_name(a)]
            if alternatives:
                groups.append(alternatives)
        packages[name] = (int(size or 0), groups)
        for p in provides.split(","):
            if bare_name(p):
                providers.setdefault(bare_name(p), name)
    return packages, providers


def bare_name(text):
    """The package name of a dependency, without version, arch or spaces."""
    text = re.sub(r"\(.*?\)", "", text).strip()
    return text.split(":")[0]


def closure(root, packages, providers):
    seen, todo = set(), [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for group in packages[name][1]:
            for alternative in group:
                chosen = alternative if alternative in packages else providers.get(alternative)
                if chosen is not None:
                    todo.append(chosen)
                    break
    return seen


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: footprint.py PACKAGE...")
    packages, providers = installed_packages()
    for root in sys.argv[1:]:
        if root not in packages:
            sys.exit("footprint.py: %s is not installed" % root)
        names = closure(root, packages, providers)
        print(root, packages[root][0], sum(packages[n][0] for n in names), len(names))


if __name__ == "__main__":
    main()
