"""playbooks/stack_map.yml on the lab after site.yml: the picture names every lab service host
and the users their configs name, with no failed cross-check; its SVG is well-formed, and headless
Chromium renders it. A glance-api.conf that names a pool the cluster lacks comes out in red. The
page holds no key."""
import os
import re
import subprocess
import xml.etree.ElementTree as ET

from tests.integration.conftest import GANETI_LAB, KEY_RE, LAB, LIBVIRT_LAB, playbook

HOSTS = ["lab-glance", "lab-cinder", "lab-backup", "lab-compute", "lab-manila", "lab-ganeti", "lab-containers",
         "lab-nfs"]
USERS = ["client.glance", "client.cinder", "client.cinder-backup", "client.manila", "client.ganeti",
         "client.lab-containers"]


def draw(out, *extra):
    # the test lab's hosts, as site.yml reached them (the Ganeti node is in the test Ganeti lab)
    res = playbook("-i", "playbooks/inventory/lab.yml", "playbooks/stack_map.yml", "-e", "cephstack_lab_dir=" + LAB,
                   "-e", "cephstack_libvirt_lab_dir=" + LIBVIRT_LAB, "-e", "cephstack_ganeti_lab_dir=" + GANETI_LAB,
                   "-e", "stack_map_output=" + str(out), *extra)
    assert res.returncode == 0, res.stdout[-3000:]
    assert "changed=0" in [l for l in res.stdout.splitlines() if l.startswith("lab-admin")][0]
    return out.read_text()


def svg_of(page):
    svg = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    return ET.fromstring(svg)          # well-formed XML, or this raises


def test_the_map_names_every_host_and_user(site, tmp_path):
    page = draw(tmp_path / "map.html")
    texts = [t.text for t in svg_of(page).iter("{http://www.w3.org/2000/svg}text")]
    assert set(HOSTS) <= set(texts) and set(USERS) <= set(texts), texts
    assert "0 cross-checks failed." in page and not KEY_RE.search(page)
    shot = tmp_path / "map.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1720,600",
                    "--screenshot=%s" % shot, "file://%s" % (tmp_path / "map.html")], capture_output=True, timeout=60,
                   check=False)
    assert shot.stat().st_size > 20000           # rendered, not a blank page
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          "file://%s" % (tmp_path / "map.html")], capture_output=True, text=True, timeout=60,
                         check=False).stdout
    assert "Cross-checks that failed" in dom and "lab-compute" in dom


def test_a_pool_the_cluster_lacks_is_drawn_in_red(site, tmp_path):
    glance = open(os.path.join(LAB, "hosts", "lab-glance", "etc", "glance", "glance-api.conf")).read()
    bad = tmp_path / "glance-api.conf"
    bad.write_text(glance.replace("rbd_store_pool = images", "rbd_store_pool = nopool"))
    page = draw(tmp_path / "map.html", "-e", "glance_config_file=" + str(bad))
    svg = svg_of(page)
    red = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text") if t.get("fill") == "#b00020"]
    assert "lab-glance" in red
    assert any(t.startswith("lab-glance: glance-api.conf [ceph] names pool nopool") for t in red), red
    # the whole message under the picture
    assert "names pool nopool, which the cluster does not have</li>" in page and "1 cross-check failed." in page
