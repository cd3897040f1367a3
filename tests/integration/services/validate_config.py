"""Check a generated OpenStack config by option name AND value against the service's own options.

    /usr/bin/python3 validate_config.py glance|cinder|nova|manila FILE
Dynamic sections are mapped to their option groups (a cinder backend section to backend_defaults,
a glance store section to its driver's options) and every value is parsed with its oslo.config
type. oslo-config-validator checks names only, and misreads dynamic sections. An option deprecated
for removal, or written under a deprecated name, is an error, unless NEEDED_DEPRECATED names it
with its reason. Prints JSON.
"""
import configparser
import json
import sys


def _name(group):
    return "DEFAULT" if group is None else getattr(group, "name", group)


def _add(groups, group, opts):
    bucket = groups.setdefault(_name(group), {})
    for opt in opts:
        bucket[opt.dest] = opt
        for dep in getattr(opt, "deprecated_opts", None) or []:
            if dep.name and (dep.group in (None, _name(group))):
                bucket[dep.name.replace("-", "_")] = opt


# Options deprecated for removal that a role still writes, and why (docs/roles.md says the same)
NEEDED_DEPRECATED = {
    ("glance", "show_multiple_locations"):
        "on before 2025.2 only, for Nova's direct RBD snapshots (glance_show_multiple_locations)",
    ("glance", "stores"): "glance_store_mode: legacy, the single-store form",
    ("glance", "default_store"): "glance_store_mode: legacy, the single-store form",
    ("manila", "cephfs_ganesha_server_is_remote"):
        "a remote standalone NFS-Ganesha (manila_cephfs_ganesha_server_is_remote)",
}

LIBRARIES = ["oslo.concurrency", "oslo.db", "oslo.log", "oslo.messaging", "oslo.policy", "oslo.service.service",
             "oslo.middleware", "keystonemiddleware.auth_token"]


def library_groups(groups):
    """Options of the libraries a service loads, by oslo-config-generator's namespaces."""
    from oslo_config import generator
    for namespace in LIBRARIES:
        try:
            listed = generator._list_opts([namespace])
        except Exception:  # pylint: disable=broad-except
            continue      # library not installed: its options stay unknown
        for dummy, group_opts in listed:
            for group, opts_ in group_opts:
                _add(groups, group, list(opts_))
    return groups


def glance_groups(parser):
    from glance import opts
    import glance_store.backend as legacy
    import glance_store.multi_backend as multi
    from glance_store import driver
    groups = {}
    for group, opts_ in list(opts.list_api_opts()) + list(legacy._list_opts()) + list(multi._list_config_opts()):
        _add(groups, group, opts_)
    drivers = dict((kind, list(opts_)) for kind, opts_ in multi._list_driver_opts().items())
    dynamic = {}
    for entry in parser.get("DEFAULT", "enabled_backends", fallback="").split(","):
        if ":" in entry:
            name, kind = (x.strip() for x in entry.split(":", 1))
            dynamic[name] = kind
    dynamic.setdefault("os_glance_staging_store", "file")
    dynamic.setdefault("os_glance_tasks_store", "file")

    def driver_opts(kind):   # keys are "file" or entry points such as "glance.store.rbd.Store"
        return next((o for k, o in drivers.items() if k == kind or k.split(".")[-2:-1] == [kind]), [])
    for section, kind in dynamic.items():
        _add(groups, section, driver_opts(kind) + list(multi._STORE_OPTS) + list(driver._MULTI_BACKEND_OPTS))
    return groups


def cinder_groups(parser):
    from cinder import opts
    groups = {}
    listed = [(group, list(opts_)) for group, opts_ in opts.list_opts()]   # chains: read once
    for group, opts_ in listed:
        _add(groups, group, opts_)
    backend_opts = [o for group, opts_ in listed if _name(group) == "backend_defaults" for o in opts_]
    for section in parser.get("DEFAULT", "enabled_backends", fallback="").split(","):
        if section.strip():
            _add(groups, section.strip(), backend_opts)
    return groups


def nova_groups(parser):
    from nova.conf import opts
    groups = {}
    for group, opts_ in opts.list_opts():
        _add(groups, group, opts_)
    return groups


def manila_groups(parser):
    """Manila lists its share driver options in DEFAULT; a backend section takes the same ones."""
    from manila import opts
    groups = {}
    listed = [(group, list(opts_)) for group, opts_ in opts.list_opts()]
    for group, opts_ in listed:
        _add(groups, group, opts_)
    driver_opts = [o for group, opts_ in listed if _name(group) == "DEFAULT" for o in opts_]
    # manila.opts leaves out cephfs_nfs_cluster_id (cephfsnfs_opts), which the CephFS driver
    # registers and reads from its backend section itself
    from manila.share.drivers.cephfs import driver as cephfs_driver
    driver_opts += list(getattr(cephfs_driver, "cephfsnfs_opts", []))
    for section in parser.get("DEFAULT", "enabled_share_backends", fallback="").split(","):
        if section.strip():
            _add(groups, section.strip(), driver_opts)
    return groups


def auth_plugin_groups(groups, parser):
    """A section with auth_type takes that Keystone auth plugin's options (auth_url, username, ...),
    which keystoneauth registers only when the service loads the plugin."""
    from keystoneauth1 import loading
    for section in parser.sections():
        kind = parser.get(section, "auth_type", fallback=None)
        if kind:
            _add(groups, section, loading.get_auth_plugin_conf_options(kind))
    return groups


def main(service, path):
    parser = configparser.ConfigParser(interpolation=None, strict=False, default_section="__none__")
    parser.optionxform = str
    if not parser.read(path):
        print(json.dumps({"checked": 0, "errors": ["%s: cannot be read" % path], "allowed_deprecated": []}))
        return
    groups = auth_plugin_groups(library_groups({"glance": glance_groups, "cinder": cinder_groups, "nova": nova_groups,
                                                "manila": manila_groups}[service](parser)), parser)
    errors, allowed, checked = [], [], 0
    for section in parser.sections():
        known = groups.get(section)
        for name, value in parser.items(section):
            checked += 1
            opt = (known or {}).get(name)
            if opt is None:
                errors.append("%s: [%s] %s is not an option of %s" % (path, section, name, service))
                continue
            if name != opt.dest:
                errors.append("%s: [%s] %s is a deprecated name in %s: use %s" % (path, section, name, service, opt.dest))
                continue
            if opt.deprecated_for_removal:
                reason = NEEDED_DEPRECATED.get((service, name))
                if reason is None:
                    errors.append("%s: [%s] %s is deprecated for removal in %s" % (path, section, name, service))
                    continue
                allowed.append("[%s] %s: %s" % (section, name, reason))
            try:
                opt.type(value)
            except (ValueError, TypeError) as e:
                errors.append("%s: [%s] %s = %r is not a valid %s: %s"
                              % (path, section, name, value, type(opt).__name__, e))
    print(json.dumps({"checked": checked, "errors": errors, "allowed_deprecated": allowed}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
