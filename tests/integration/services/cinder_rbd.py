"""Drive Cinder's real RBDDriver from a generated cinder.conf, as cinder-volume does.

    /usr/bin/python3 cinder_rbd.py CINDER_CONF BACKEND IMAGE_ID DIRECT_URL
Prints JSON: the volumes it created and whether the image clone was copy-on-write.
"""
import json
import sys
import uuid

from oslo_config import cfg

from cinder import context, objects
from cinder.common import config  # noqa: F401 pylint: disable=unused-import
from cinder.volume import configuration
from cinder.volume import driver as base_driver
from cinder.volume.drivers import rbd


def main(conf_path, backend, image_id, direct_url):
    cfg.CONF([], project="cinder", default_config_files=[conf_path])
    objects.register_all()
    conf = configuration.Configuration(base_driver.volume_opts, config_group=backend)
    conf.append_config_values(rbd.RBD_OPTS)
    drv = rbd.RBDDriver(configuration=conf, host="lab-cinder@" + backend)
    ctx = context.get_admin_context()
    drv.do_setup(ctx)
    drv.check_for_setup_error()
    stats = drv.get_volume_stats(refresh=True)

    def volume(size):
        return objects.Volume(context=ctx, id=str(uuid.uuid4()), size=size, display_name="it",
                              host="lab-cinder@%s#%s" % (backend, backend), volume_type_id=None,
                              encryption_key_id=None, status="creating", attach_status="detached",
                              _name_id=None, volume_type=None, use_quota=True, multiattach=False,
                              snapshot_id=None, source_volid=None, metadata={}, admin_metadata={})

    blank = volume(1)
    drv.create_volume(blank)
    from_image = volume(1)
    location = (direct_url, [{"url": direct_url, "metadata": {}}])
    meta = {"id": image_id, "disk_format": "raw", "container_format": "bare", "size": 4 * 1024 * 1024}
    update, cloned = drv.clone_image(ctx, from_image, location, meta, None)
    copy = volume(1)
    drv.create_cloned_volume(copy, blank)
    connection = drv.initialize_connection(from_image, {})
    print(json.dumps({
        "backend_name": stats["volume_backend_name"],
        "blank": blank.name, "from_image": from_image.name, "copy": copy.name,
        "cloned": bool(cloned),
        "connection": {k: connection["data"].get(k) for k in ("name", "auth_username", "secret_uuid", "secret_type")},
    }))


if __name__ == "__main__":
    main(*sys.argv[1:5])
