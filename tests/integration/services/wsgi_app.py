"""An OpenStack API as a WSGI application, as the releases whose APIs run only under a WSGI server
want it, served by the standard library's threading server in one process:

    OS_GLANCE_CONFIG_DIR=DIR /usr/bin/python3 wsgi_app.py glance PORT
        glance.wsgi.api (glance.common.wsgi_app before 2025.2); DIR holds glance-api.conf and
        glance-api-paste.ini.
    /usr/bin/python3 wsgi_app.py manila PORT --config-file MANILA_CONF
        manila.wsgi.api (manila.wsgi.wsgi before 2025.2), which reads its arguments as manila-api
        would.

Serves on 127.0.0.1:PORT until killed, and logs each request's line on stderr.
"""
import socketserver
import sys
from wsgiref import simple_server


class Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


def glance():
    try:                                # 2025.2 and later
        from glance.wsgi import api
        return api.application
    except ImportError:                 # before: what glance-wsgi-api serves
        from glance.common import wsgi_app
        return wsgi_app.init_app()


def manila():
    try:                                # 2025.2 and later
        from manila.wsgi import api
        return api.application
    except ImportError:                 # before: what manila-wsgi serves
        from manila.wsgi import wsgi
        return wsgi.initialize_application()


def main(service, port, *args):
    sys.argv = [service + "-api"] + list(args)
    app = {"glance": glance, "manila": manila}[service]()
    server = simple_server.make_server("127.0.0.1", int(port), app, server_class=Server)
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:])
