"""Run an installed console script by its name, as its /usr/bin wrapper would, for a release image
that holds a project's Python package without the package of its daemons:

    /usr/bin/python3 console_script.py NAME [ARGS...]      e.g. cinder-volume --config-file F
"""
import sys
from importlib.metadata import entry_points


def main(name, *args):
    found = [e for e in entry_points(group="console_scripts") if e.name == name]
    if not found:
        raise SystemExit("no console script %s installed" % name)
    sys.argv = [name] + list(args)
    return found[0].load()()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
