"""OneWindow (一窗通办): software that runs a government service hall under the 2+2 model."""

__version__ = "0.1.0"
