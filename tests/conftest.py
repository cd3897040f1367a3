"""Make this checkout importable as ansible_collections.cephstack.cloud."""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(TOP, ".build", "collections")
link = os.path.join(COLLECTIONS, "ansible_collections", "cephstack", "cloud")
if not os.path.exists(link):
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(TOP, link)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
