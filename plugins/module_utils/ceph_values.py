# -*- coding: utf-8 -*-
# Copyright: cephstack.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation and normalisation of Ceph values: names, sizes, caps, keys."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import re
import struct

from ansible_collections.cephstack.cloud.plugins.module_utils.command_runner import LazyPattern

POOL_NAME_RE = LazyPattern(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,126}$")
ENTITY_RE = LazyPattern(r"^(client|mgr|mds|osd|mon)\.[A-Za-z0-9_][A-Za-z0-9_.@-]*$")
CAP_DAEMONS = ("mon", "osd", "mds", "mgr")
# One grant: "allow <spec>" or "profile <name> [args]".
GRANT_RE = LazyPattern(r"^(allow(\s+\S.*)?|profile\s+[a-z0-9-]+(\s+\S.*)?)$")
SIZE_RE = LazyPattern(r"^\s*(\d+)\s*([KMGTPE]?)(i?B?)?\s*$", re.IGNORECASE)
UNITS = dict(K=1, M=2, G=3, T=4, P=5, E=6)
# A cephx key: u16 type, u32+u32 created, u16 length, then the secret. Ceph 16.2 to 19.2.5 mint
# type 1 (aes, 16 bytes, "AQ..."); Squid 19.2.6 and Tentacle 20.2.4 on mint type 2 (aes256k,
# 32 bytes, "Ag...") by default. Both stay valid on clusters that allow them.
CEPHX_KEY_TYPES = {1: ("aes", 16), 2: ("aes256k", 32)}
CEPHX_HEADER = struct.Struct("<HIIH")
KEY_TYPE_NAMES = tuple(name for name, _length in CEPHX_KEY_TYPES.values())


def check_pool_name(name, option="name"):
    if not isinstance(name, str) or not POOL_NAME_RE.match(name):
        raise ValueError("%s=%r is not a valid pool name: use 1-127 characters from "
                         "A-Z a-z 0-9 _ . - , not starting with '.' or '-'" % (option, name))
    return name


def check_entity(name, option="name"):
    if not isinstance(name, str) or not ENTITY_RE.match(name):
        raise ValueError("%s=%r is not a cephx entity: expected TYPE.ID with TYPE one of "
                         "client, mgr, mds, osd, mon (e.g. client.glance)" % (option, name))
    return name


def parse_size(value, option):
    """Bytes from an int or a string such as 10G, 10GiB, 512M (powers of 1024)."""
    if isinstance(value, bool):
        raise ValueError("%s=%r is not a size" % (option, value))
    if isinstance(value, int):
        n = value
    else:
        m = SIZE_RE.match(str(value))
        if not m:
            raise ValueError("%s=%r is not a size: use bytes or a number with K, M, G, T, P "
                             "or E (powers of 1024), e.g. 100G" % (option, value))
        n = int(m.group(1)) * 1024 ** UNITS.get(m.group(2).upper(), 0)
    if n < 0:
        raise ValueError("%s=%r must not be negative" % (option, value))
    return n


def normalize_cap(text):
    """'profile rbd pool=a,profile  rbd pool=b' -> 'profile rbd pool=a, profile rbd pool=b'."""
    grants = [" ".join(g.split()) for g in str(text).split(",")]
    return ", ".join(g for g in grants if g)


def normalize_caps(caps, option="caps"):
    """Validate a {daemon: capstring} dict and return it normalised, empty entries dropped."""
    if caps is None:
        return None
    if not isinstance(caps, dict):
        raise ValueError("%s must be a dict of daemon type to cap string, e.g. "
                         "{mon: 'profile rbd', osd: 'profile rbd pool=images'}" % option)
    result = {}
    for daemon, text in caps.items():
        if daemon not in CAP_DAEMONS:
            raise ValueError("%s has unknown daemon type %r: valid types are %s"
                             % (option, daemon, ", ".join(CAP_DAEMONS)))
        if text is None or str(text).strip() == "":
            continue
        cap = normalize_cap(text)
        for grant in cap.split(", "):
            if not GRANT_RE.match(grant):
                raise ValueError("%s.%s=%r is malformed: each comma-separated grant must start "
                                 "with 'allow' or 'profile <name>' (e.g. 'profile rbd pool=images')"
                                 % (option, daemon, text))
        result[daemon] = cap
    return result


def _key_type(raw):
    """('aes'|'aes256k', None) for a well-formed decoded key, else (None, what is wrong)."""
    if len(raw) < CEPHX_HEADER.size:
        return None, "decodes to %d bytes; a cephx key decodes to 28 (aes) or 44 (aes256k)" % len(raw)
    key_type, _sec, _nsec, length = CEPHX_HEADER.unpack(raw[:CEPHX_HEADER.size])
    known = CEPHX_KEY_TYPES.get(key_type)
    if known is None:
        return None, ("is not a cephx key: type %d, where 1 is aes and 2 is aes256k" % key_type)
    name, secret_length = known
    if length != secret_length or len(raw) != CEPHX_HEADER.size + secret_length:
        return None, ("decodes to %d bytes with secret length %d; a cephx %s key decodes to %d with "
                      "secret length %d" % (len(raw), length, name, CEPHX_HEADER.size + secret_length,
                                            secret_length))
    return name, None


def check_cephx_key(key, option="key"):
    """A cephx key, stripped: base64 of type, creation time, length and secret, of type aes
    (28 bytes, AQ...) or aes256k (44 bytes, Ag...)."""
    try:
        raw = base64.b64decode(str(key).strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("%s is not valid base64 (a cephx key looks like AQ...== (aes, 40 characters) "
                         "or Ag...= (aes256k, 60 characters))" % option)
    name, problem = _key_type(raw)
    if problem:
        raise ValueError("%s %s" % (option, problem))
    return str(key).strip()


def cephx_key_type(key):
    """'aes' or 'aes256k' for a valid key, None for anything else."""
    try:
        return _key_type(base64.b64decode(str(key).strip(), validate=True))[0]
    except (binascii.Error, ValueError, TypeError):
        return None


# Ceph client releases that read aes256k keys: those that mint them. Older ones (16.2.15 and 18.2.7
# were tried) fail to load such a keyring with "Malformed input".
AES256K_READERS = (((19, 2, 6), (20, 0, 0)), ((20, 2, 4), None))
VERSION_RE = LazyPattern(r"^(?:\d+:)?(\d+)\.(\d+)\.(\d+)")


def parse_ceph_version(text):
    """(major, minor, patch) of a Ceph or package version ('16.2.15+ds-0+deb12u1', '2:18.2.7'), or None."""
    found = VERSION_RE.match(str(text or "").strip())
    return tuple(int(n) for n in found.groups()) if found else None


def reads_key_type(version, key_type):
    """Whether a Ceph client of ``version`` (a version string) reads keys of ``key_type``.
    An unknown version is given the benefit of the doubt."""
    if key_type != "aes256k":
        return True
    found = parse_ceph_version(version)
    if found is None:
        return True
    return any(low <= found and (high is None or found < high) for low, high in AES256K_READERS)


def keyring_text(entity, key, caps):
    """The keyring file form, as 'ceph auth get' prints it."""
    lines = ["[%s]" % entity, "\tkey = %s" % key]
    for daemon in sorted(caps or {}):
        lines.append('\tcaps %s = "%s"' % (daemon, caps[daemon]))
    return "\n".join(lines) + "\n"


def redact_keyring(text):
    """A keyring's text with every key replaced."""
    if not isinstance(text, str):
        return text
    return re.sub(r"(?m)^(\s*key\s*=\s*).*$", r"\g<1><redacted>", text)


# --- what an OSD cap grants ------------------------------------------------------------
PERMS_RE = LazyPattern(r"^(\*|[rwx]+)$")
PROFILE_PERMS = {"rbd": "rwx", "rbd-read-only": "r"}


def parse_osd_grant(grant):
    """One grant of an OSD cap -> dict(perms, pool, namespace, restricted).

    ``restricted`` marks a grant limited to objects by prefix or tag, which is not access to
    the pool as a whole. Both syntaxes are read: ``allow rwx pool=p namespace=n`` and
    ``allow pool p rwx``."""
    words = grant.split()
    found = dict(perms=set(), pool=None, namespace=None, restricted=False)
    rest = words[1:]
    if words[0] == "profile":
        found["perms"] = set(PROFILE_PERMS.get(words[1] if len(words) > 1 else "", ""))
        rest = words[2:]
    while rest:
        word = rest.pop(0)
        if "=" in word:
            name, value = word.split("=", 1)
        elif word in ("pool", "namespace", "object_prefix") and rest:
            name, value = word, rest.pop(0)
        elif word == "tag":
            found["restricted"] = True
            break
        elif words[0] == "allow" and PERMS_RE.match(word):
            found["perms"] |= set("rwx" if word == "*" else word)
            continue
        else:
            continue    # class-read, class-write, class <name> <method>: no pool access of their own
        if name == "pool":
            found["pool"] = value
        elif name == "namespace":
            found["namespace"] = value
        else:
            found["restricted"] = True
    return found


def _glob(pattern, value):
    return pattern == value or pattern == "*" or (pattern.endswith("*") and value.startswith(pattern[:-1]))


def osd_cap_allows(cap, pool, access="rwx", namespace=""):
    """Whether an OSD cap string gives ``access`` (letters of r, w, x) on ``pool`` in
    ``namespace``. Pool names match exactly (a trailing ``*`` is a prefix, as in Ceph);
    a grant limited to another namespace, or to an object prefix or tag, does not count."""
    granted = set()
    for grant in normalize_cap(cap or "").split(", "):
        if not grant:
            continue
        g = parse_osd_grant(grant)
        if g["restricted"]:
            continue
        if g["pool"] is not None and not _glob(g["pool"], pool):
            continue
        if g["namespace"] is not None and not _glob(g["namespace"], namespace):
            continue
        granted |= g["perms"]
    return set(access) <= granted
