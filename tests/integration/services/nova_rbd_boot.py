"""Drive Nova's own RBD image backend from the nova.conf the nova_compute role wrote.

    /usr/bin/python3 nova_rbd_boot.py NOVA_CONF STEP INSTANCE_UUID [ARGS...]

Steps, each printing one JSON line:
  clone IMAGE_ID         imagebackend.Rbd.clone(): the Glance image (fetched through nova's Glance
                         API client) cloned copy-on-write into the vms pool as <uuid>_disk.
  boot                   LibvirtDriver._get_guest_disk_config() (image backend -> libvirt_info) and
                         _set_cache_mode() build the disk element; nova's LibvirtConfigGuest wraps
                         it in a domain that libvirtd starts (qemu, TCG). Prints the disk XML.
  attach CONNECTION_JSON LibvirtNetVolumeDriver.get_config() turns a Cinder connection_info into a
                         disk element; the same kind of domain boots from the volume.
  snapshot IMAGE_ID BASE_IMAGE_ID
                         Rbd.direct_snapshot() (the disk snapshotted, cloned into Glance's pool and
                         flattened) and glance.API.update() with that location, as
                         LibvirtDriver.snapshot() does.
  resize BYTES           Rbd.resize_image(), what LibvirtDriver._disk_resize() calls.
  destroy                LibvirtDriver._cleanup_rbd() removes the instance's disks (the domain is
                         destroyed first).
The full nova-compute service is not needed: these are the functions it calls for each step.
"""
import json
import sys

import nova.conf
from nova import context as nova_context
from nova import objects
from nova.image import glance
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt.volume import net as net_volume

CONF = nova.conf.CONF
DISK_MAPPING = {"disk": {"bus": "virtio", "dev": "vda", "type": "disk", "boot_index": "1"}}


def domain_xml(name, disk_conf):
    """A minimal qemu (TCG) guest in nova's own config classes, with one disk."""
    guest = vconfig.LibvirtConfigGuest()
    guest.virt_type = "qemu"
    guest.name = name
    guest.memory = 64 * 1024
    guest.vcpus = 1
    guest.os_type = "hvm"
    guest.os_mach_type = "pc"
    guest.add_device(disk_conf)
    return guest.to_xml()


def start(driver, name, disk_conf):
    conn = driver._host.get_connection()
    try:
        conn.lookupByName(name).destroy()
    except Exception:  # pylint: disable=broad-except
        pass
    dom = conn.createXML(domain_xml(name, disk_conf), 0)
    return dom.isActive() == 1


def main(conf_path, step, instance_uuid, *args):
    CONF([], project="nova", default_config_files=[conf_path])
    objects.register_all()
    ctx = nova_context.RequestContext(user_id="it", project_id="it", is_admin=True, auth_token="noauth")
    instance = objects.Instance(uuid=instance_uuid, task_state=None)
    driver = libvirt_driver.LibvirtDriver(virtapi=None, read_only=False)
    disk = driver.image_backend.by_name(instance, "disk", disk_info_mapping=DISK_MAPPING["disk"])
    out = {"rbd_name": disk.rbd_name, "pool": disk.driver.pool}

    if step == "clone":
        disk.clone(ctx, args[0])
        out["parent"] = list(disk.driver.parent_info(disk.rbd_name))
    elif step == "boot":
        flavor = {"extra_specs": {}}
        conf = driver._get_guest_disk_config(instance, "disk", DISK_MAPPING, flavor)
        driver._set_cache_mode(conf)
        out["disk_xml"] = conf.to_xml()
        out["active"] = start(driver, "instance-" + instance_uuid[:8], conf)
    elif step == "attach":
        connection_info = json.loads(args[0])
        volume_driver = net_volume.LibvirtNetVolumeDriver(driver._host)
        conf = volume_driver.get_config(connection_info, {"bus": "virtio", "dev": "vda", "type": "disk"})
        driver._set_cache_mode(conf)
        out["disk_xml"] = conf.to_xml()
        out["active"] = start(driver, "volume-" + instance_uuid[:8], conf)
    elif step == "snapshot":
        image_id, base_image_id = args[0], args[1]
        location = disk.direct_snapshot(ctx, "it-snap", "raw", image_id, base_image_id)
        metadata = {"disk_format": "raw", "container_format": "bare", "location": location}
        image = glance.API().update(ctx, image_id, metadata, purge_props=False)
        out.update(location=location, image_status=image["status"])
    elif step == "resize":
        disk.resize_image(int(args[0]))
        out["size"] = disk.get_disk_size(disk.rbd_name)
    elif step == "destroy":
        conn = driver._host.get_connection()
        for name in ("instance-", "volume-"):
            try:
                conn.lookupByName(name + instance_uuid[:8]).destroy()
            except Exception:  # pylint: disable=broad-except
                pass
        driver._cleanup_rbd(instance)
        out["exists"] = disk.exists()
    else:
        raise SystemExit("unknown step %s" % step)
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:])
