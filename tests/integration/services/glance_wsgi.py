"""glance-api as a WSGI application (glance.wsgi.api, or glance.common.wsgi_app before 2025.2), as
the releases whose glance-api runs only under a WSGI server want it: served by the standard
library's threading server, one process.

    OS_GLANCE_CONFIG_DIR=DIR /usr/bin/python3 glance_wsgi.py PORT
DIR holds glance-api.conf and glance-api-paste.ini. Serves on 127.0.0.1:PORT until killed.
"""
import socketserver
import sys
from wsgiref import simple_server


class Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):   # glance logs its own requests
        pass


def application():
    try:                                # 2025.2 and later
        from glance.wsgi import api
        return api.application
    except ImportError:                 # before: what glance-wsgi-api serves
        from glance.common import wsgi_app
        return wsgi_app.init_app()


def main(port):
    server = simple_server.make_server("127.0.0.1", int(port), application(), server_class=Server,
                                       handler_class=QuietHandler)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
