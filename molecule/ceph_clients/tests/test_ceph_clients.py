"""ceph_clients alone: the Cinder host's keyring is root:cinder 0640, and it reaches the cluster."""
import testinfra


def test_cinder_host_has_its_keyring_and_reaches_the_volumes_pool():
    host = testinfra.get_host("podman://cephstack-mol-cc-cinder")
    keyring = host.file("/etc/ceph/ceph.client.cinder.keyring")
    assert (keyring.user, keyring.group, keyring.mode) == ("root", "cinder", 0o640)
    assert sorted(f for f in host.run("ls /etc/ceph").stdout.split() if f.endswith(".keyring")) == \
        ["ceph.client.cinder.keyring"]
    conf = host.file("/etc/ceph/ceph.conf").content_string
    assert "fsid = " in conf and "mon host = " in conf
    listed = host.run("rbd --id cinder ls volumes")
    assert listed.rc == 0, listed.stderr
    refused = host.run("ceph --id cinder auth ls")
    assert refused.rc != 0
