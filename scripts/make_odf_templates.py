"""Write the empty ODF templates under drive/templates (run once; the bytes are committed)."""
from __future__ import annotations

import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "drive" / "templates"
NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"')
BODIES = {
    "odt": ("text", "<office:text><text:p/></office:text>"),
    "ods": ("spreadsheet", '<office:spreadsheet><table:table table:name="Sheet1"><table:table-row>'
                           "<table:table-cell/></table:table-row></table:table></office:spreadsheet>"),
    "odp": ("presentation", '<office:presentation><draw:page draw:name="page1" '
                            'draw:master-page-name="Default"/></office:presentation>'),
}
MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>")


def write(ext: str) -> None:
    kind, body = BODIES[ext]
    mime = f"application/vnd.oasis.opendocument.{kind}"
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {NS} '
               f'office:version="1.2"><office:body>{body}</office:body></office:document-content>')
    fixed = (1980, 1, 1, 0, 0, 0)  # fixed times: the same bytes on every run
    with zipfile.ZipFile(OUT / f"empty.{ext}", "w") as zf:
        # The mimetype entry comes first and uncompressed: that is how readers recognise ODF.
        zf.writestr(zipfile.ZipInfo("mimetype", fixed), mime, compress_type=zipfile.ZIP_STORED)
        for name, data in (("content.xml", content), ("META-INF/manifest.xml", MANIFEST.format(mime=mime))):
            zf.writestr(zipfile.ZipInfo(name, fixed), data, compress_type=zipfile.ZIP_DEFLATED)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for ext in BODIES:
        write(ext)
