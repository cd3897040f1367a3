"""nova_compute with ceph_clients: the instance's libvirtd holds client.cinder's key, nova.conf
and ceph.conf carry the role's options."""
import testinfra

# Compared inside the instance: neither value reaches testinfra's log or an assertion message.
SECRET_HOLDS_CINDERS_KEY = ("v=$(virsh -c qemu:///system secret-get-value %s) && test \"$v\" = "
                            "\"$(sed -n 's/^[[:space:]]*key = //p' /etc/ceph/ceph.client.cinder.keyring)\"")
SECRET_UUID = "0c5d6a7e-2f41-4b8a-9e3d-7a1b2c3d4e5f"


def test_secret_holds_the_keyrings_key_and_the_configs_name_it():
    host = testinfra.get_host("podman://cephstack-mol-nc-compute")
    keyring = host.file("/etc/ceph/ceph.client.cinder.keyring")
    assert (keyring.user, keyring.group, keyring.mode) == ("root", "nova", 0o640)
    same = host.run(SECRET_HOLDS_CINDERS_KEY % SECRET_UUID)
    assert same.rc == 0, "secret %s is missing or does not hold client.cinder's key: %s" % (SECRET_UUID, same.stderr)
    nova = host.file("/etc/nova/nova.conf").content_string
    assert "images_type = rbd" in nova and "rbd_secret_uuid = %s" % SECRET_UUID in nova
    assert "[client]" in host.file("/etc/ceph/ceph.conf").content_string
