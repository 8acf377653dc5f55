"""learncity: the operating system of a lifelong learning city."""

__version__ = "0.1.0"
