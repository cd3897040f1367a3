"""No role repeats another's task logic: tests/yaml_duplicates.py finds no run of 5 or more
identical lines (each role's variable prefix made the same) shared by two roles' tasks."""
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_no_task_logic_is_repeated_across_roles():
    res = subprocess.run([sys.executable, os.path.join(TOP, "tests", "yaml_duplicates.py"), "5"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_check_finds_a_planted_copy(tmp_path, monkeypatch):
    sys.path.insert(0, os.path.join(TOP, "tests"))
    import yaml_duplicates      # pylint: disable=import-outside-toplevel
    a = os.path.join(TOP, "roles", "ceph_clients", "tasks", "packages.yml")
    role = tmp_path / "roles" / "planted" / "tasks"
    role.mkdir(parents=True)
    (role / "main.yml").write_text(open(a).read().replace("ceph_clients_", "planted_"))
    monkeypatch.setattr(yaml_duplicates, "TOP", str(tmp_path))
    lines_a = yaml_duplicates.task_lines(a)
    lines_b = yaml_duplicates.task_lines(str(role / "main.yml"))
    assert yaml_duplicates.shared_runs(lines_a, lines_b, 5)
