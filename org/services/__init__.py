"""Service functions of the org package, one module per aggregate."""
