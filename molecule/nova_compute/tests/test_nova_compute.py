"""nova_compute with ceph_clients: the instance's libvirtd holds client.cinder's key, nova.conf
and ceph.conf carry the role's options."""
import testinfra

SECRET_UUID = "0c5d6a7e-2f41-4b8a-9e3d-7a1b2c3d4e5f"


def test_secret_holds_the_keyrings_key_and_the_configs_name_it():
    host = testinfra.get_host("podman://cephstack-mol-nc-compute")
    keyring = host.file("/etc/ceph/ceph.client.cinder.keyring")
    assert (keyring.user, keyring.group, keyring.mode) == ("root", "nova", 0o640)
    key = [line.split("=", 1)[1].strip() for line in keyring.content_string.splitlines() if "key" in line][0]
    value = host.run("virsh -c qemu:///system secret-get-value %s" % SECRET_UUID)
    assert value.rc == 0, value.stderr
    assert value.stdout.strip() == key
    nova = host.file("/etc/nova/nova.conf").content_string
    assert "images_type = rbd" in nova and "rbd_secret_uuid = %s" % SECRET_UUID in nova
    assert "[client]" in host.file("/etc/ceph/ceph.conf").content_string
