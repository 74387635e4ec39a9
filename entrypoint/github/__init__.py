"""The opt-in GitHub integration (input ``github-token``, the job's token): after a deploy, a
GitHub Deployment for the environment with the deployed URL as its status, and on a pull request
one comment, found again by a hidden marker and edited on every push.

``api.py`` owns the REST calls (what is sent, what an answer must hold, pagination); ``publish.py``
what is published from a deploy's result. Nothing here reads the environment: the CLI hands in
the runner's values (``config/runner.py``). Without the token nothing here is called.
"""
