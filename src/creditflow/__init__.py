"""creditflow: multichannel credit management."""

__version__ = "0.1.0"
