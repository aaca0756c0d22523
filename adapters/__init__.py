"""Platform adapters. Each package's ``__init__`` holds only capability data (no SDK import); its
``adapter`` module imports the SDK and is loaded lazily by :mod:`core.registry`."""
