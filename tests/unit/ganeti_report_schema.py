"""The report of a Ganeti status reporting data collector, as a JSON schema."""

# A report of a status reporting data collector, written from Ganeti's monitoring agent design
# ("Format of the report" and "Status reporting collectors"):
# https://docs.ganeti.org/docs/ganeti/3.0/html/design-monitoring-agent.html
# Every report has name, version, format_version, timestamp (nanoseconds since the epoch),
# category (null or one of the four categories), kind (0 performance, 1 status) and data. A status
# reporting collector puts in data a status object: code 0 (OK), 1 (live-repairable), 2 (needs
# intervention) or 4 (unknown), and a message that explains it.
GANETI_STATUS_REPORT = {
    "type": "object",
    "required": ["name", "version", "format_version", "timestamp", "category", "kind", "data"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "version": {"type": "string"},
        "format_version": {"type": "integer", "minimum": 1},
        "timestamp": {"type": "integer", "minimum": 0},
        "category": {"enum": [None, "instance", "storage", "daemon", "hypervisor"]},
        "kind": {"const": 1},
        "data": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"enum": [0, 1, 2, 4]}, "message": {"type": "string"}},
                },
            },
        },
    },
}
