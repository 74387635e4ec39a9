"""cf-assets: deploy a folder of static assets to Cloudflare Workers through direct upload."""

__version__ = "0.1.0"
