"""The tests' stand-in for keystonemiddleware's auth_token filter, for a Glance without Keystone.

Each request is passed on as auth_token passes one whose user token and service token it has
validated: X-Identity-Status Confirmed, the user's roles, and X-Service-Roles "service", the role
that the service tokens of Nova and Cinder carry. Glance's own context middleware and policy then
decide, as in a deployment with Keystone: its location API lets only a caller with the service
role add an rbd:// location. The tests' paste file names it in place of auth_token:

    [filter:authtoken]
    paste.filter_factory = identity_stand_in:filter_factory
"""

CONFIRMED = {
    "HTTP_X_IDENTITY_STATUS": "Confirmed",
    "HTTP_X_USER_ID": "it-user",
    "HTTP_X_PROJECT_ID": "it-project",
    "HTTP_X_ROLES": "admin,member,reader",
    "HTTP_X_SERVICE_IDENTITY_STATUS": "Confirmed",
    "HTTP_X_SERVICE_USER_ID": "it-service",
    "HTTP_X_SERVICE_PROJECT_ID": "service",
    "HTTP_X_SERVICE_ROLES": "service",
}


def filter_factory(global_conf, **local_conf):
    def wrap(app):
        def confirmed(environ, start_response):
            environ.update(CONFIRMED)
            return app(environ, start_response)
        return confirmed
    return wrap
