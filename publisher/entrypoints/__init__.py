"""How the outside world reaches publisher: the command line, the Celery app and its tasks, the
static-site server and the ``run`` supervisor. Entry points parse and present; services decide."""
