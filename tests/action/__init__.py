"""Container tests: the built image run as the GitHub runner, GitLab and docker run it."""
