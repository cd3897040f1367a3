"""Stand-in for ansible-test's get-pip.py, whose download host is unreachable here.

Installs pip from the interpreter's bundled ensurepip wheel, then runs
``pip install`` with the arguments ansible-test passed (pip itself comes from PyPI).
"""
import ensurepip
import subprocess
import sys

OWN_FLAGS = ("--no-setuptools", "--no-wheel")

ensurepip.bootstrap()
args = [a for a in sys.argv[1:] if a not in OWN_FLAGS]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args))
