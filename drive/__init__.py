"""The drive: folders, files, versions, rights, public links, storage and the WebDAV face.

Other packages may import the modules in PUBLIC_MODULES; the rest is the drive's own.
"""

PUBLIC_MODULES = (
    "drive.dav", "drive.documents", "drive.models", "drive.names", "drive.rights",
    "drive.serialize", "drive.services", "drive.storage",
)
