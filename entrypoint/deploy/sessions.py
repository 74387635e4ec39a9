"""The upload sessions of one deploy: open one, upload what it lists, and open a new one while
each makes progress, until a completion token arrives.

A session is lost when its upload JWT expires or is refused, or when every upload succeeded but
none carried the completion token; a new session then lists only what Cloudflare still misses.
Resuming stops after :data:`MAX_RESUMES` new sessions in a row that list no fewer files, or
:data:`MAX_SESSIONS` in all, with a TransientError (exit 6).
"""

from __future__ import annotations

from typing import Final

from entrypoint.cloudflare.api import UploadSession
from entrypoint.deploy.upload import UploadContext, upload_assets, upload_mode
from entrypoint.errors import IncompleteUploadError, SessionExpiredError, TransientError
from entrypoint.model import Asset, Plan

MAX_RESUMES: Final = 3  # new sessions in a row that make no progress
MAX_SESSIONS: Final = 25  # new sessions in all, progress or not


class UploadSessions:
    """Upload sessions of one deploy: resume with a new session while each one makes progress.

    ``wanted`` (the assets the first session asked for) and ``mode`` (bulk, single-asset or none)
    are known once the first session is open.
    """

    def __init__(self, ctx: UploadContext, plan: Plan) -> None:
        """Upload ``plan`` with what ``ctx`` holds."""
        self.ctx, self.plan = ctx, plan
        self.wanted: list[Asset] | None = None
        self.mode = "none"
        self.opened = 0
        self.stuck = 0
        self.pending: int | None = None

    async def _open(self) -> UploadSession:
        ctx = self.ctx

        async def send() -> UploadSession:
            where = ctx.destination
            return await ctx.client.create_upload_session(
                where.script, where.namespace, self.plan.manifest_chunks, self.plan.manifest_length
            )

        answered = await ctx.policy.run(send, ctx.on_retry)
        session = UploadSession(answered.jwt, self._own_hashes(answered.buckets))
        ctx.events.secret(session.jwt)
        self.opened += 1
        pending = sum(len(bucket) for bucket in session.buckets)
        progressed = self.pending is None or pending < self.pending
        self.stuck = 0 if progressed else self.stuck + 1
        self.pending = pending
        if self.wanted is None:
            self._announce(session)
        return session

    def _own_hashes(self, buckets: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        """The buckets with the Plan's own string for each hash it has: the answer's copies
        (8 MB for 100,000 files to upload) are let go with the answer."""
        plan = self.plan
        return tuple(
            tuple(asset.hash if (asset := plan.asset_for(h)) is not None else h for h in bucket)
            for bucket in buckets
        )

    def _announce(self, session: UploadSession) -> None:
        hashes = {h for bucket in session.buckets for h in bucket}
        self.wanted = self.plan.keys_with_hashes(hashes)
        unique = [a for h in hashes if (a := self.plan.asset_for(h)) is not None]
        events, where = self.ctx.events, self.ctx.destination
        events.upload_started(len(unique), sum(a.size for a in unique), target=where)
        events.changed_paths([a.key for a in self.wanted], target=where)
        self.mode = upload_mode(session)

    def lost(self, error: TransientError) -> None:
        """A session (or its completion token) is gone: give up when resuming stopped helping."""
        if self.stuck >= MAX_RESUMES or self.opened > MAX_SESSIONS:
            msg = f"{error.message} Gave up after {self.opened} upload sessions."
            hint = "Run the deploy again: uploaded files are kept."
            raise TransientError(msg, hint=hint) from None
        self.ctx.events.resuming(error.message, self.opened, target=self.ctx.destination)

    async def complete(self) -> str:
        """Open sessions and upload until a completion token arrives."""
        while True:
            session = await self._open()
            try:
                return await upload_assets(self.ctx, self.plan, session)
            except (SessionExpiredError, IncompleteUploadError) as error:
                self.lost(error)
