#!/usr/bin/python3
"""Asks GNOME's own thumbnail factory (gnome-desktop 3, the code GNOME Files uses, through
GObject introspection: Debian's gir1.2-gnomedesktop-3.0 and python3-gi) about the files named,
in the cache that XDG_CACHE_HOME points at:

  gnome_check.py thumb FLAVOURS PATH...  each PATH has a thumbnail GNOME accepts in each flavour
                                         (comma-separated: normal, large, x-large, xx-large)
  gnome_check.py stale FLAVOURS PATH...  GNOME accepts none of them (the source changed)
  gnome_check.py gone FLAVOURS PATH...   PATH no longer exists, and the file where GNOME would
                                         look for its thumbnail in each flavour is not there
  gnome_check.py gio - PATH...           GLib itself (what Nautilus and GTK's file chooser ask)
                                         finds each PATH's thumbnail and says thumbnail::is-valid
  gnome_check.py failed DIR PATH...      each PATH has a failure entry GNOME accepts, once the
                                         entries of DIR (thumbgen's fail/thumbgen-VERSION) are
                                         where GNOME looks for its own (fail/gnome-thumbnail-factory)

A thumbnail is accepted when DesktopThumbnailFactory.lookup(uri, mtime) returns its path; a
failure entry when has_valid_failed_thumbnail(uri, mtime) is true. URIs come from Gio, as GNOME
Files makes them. Prints one line per file that is not accepted and exits 1 if there is any."""
import os
import shutil
import sys

import gi

gi.require_version("GnomeDesktop", "3.0")
from gi.repository import Gio, GnomeDesktop  # noqa: E402

SIZES = {
    "normal": GnomeDesktop.DesktopThumbnailSize.NORMAL,
    "large": GnomeDesktop.DesktopThumbnailSize.LARGE,
    "x-large": GnomeDesktop.DesktopThumbnailSize.XLARGE,
    "xx-large": GnomeDesktop.DesktopThumbnailSize.XXLARGE,
}


def uri_mtime(path):
    return Gio.File.new_for_path(path).get_uri(), int(os.stat(path).st_mtime)


def main(mode, arg, paths):
    bad = 0
    if mode in ("thumb", "stale"):
        for flavour in arg.split(","):
            factory = GnomeDesktop.DesktopThumbnailFactory.new(SIZES[flavour])
            for p in paths:
                uri, mtime = uri_mtime(p)
                found = factory.lookup(uri, mtime)
                if (found is None) == (mode == "thumb"):
                    print(f"{mode}: {flavour}: {uri}: lookup gave {found}")
                    bad += 1
    elif mode == "gone":
        for flavour in arg.split(","):
            for p in paths:
                uri = Gio.File.new_for_path(p).get_uri()
                where = GnomeDesktop.desktop_thumbnail_path_for_uri(uri, SIZES[flavour])
                if os.path.lexists(p) or os.path.lexists(where):
                    print(f"gone: {flavour}: {uri}: source or {where} still there")
                    bad += 1
    elif mode == "gio":
        for p in paths:
            info = Gio.File.new_for_path(p).query_info(
                "thumbnail::path,thumbnail::is-valid", Gio.FileQueryInfoFlags.NONE, None)
            found = info.get_attribute_byte_string("thumbnail::path")
            valid = info.get_attribute_boolean("thumbnail::is-valid")
            if found is None or not valid:
                print(f"gio: {p}: thumbnail::path {found}, thumbnail::is-valid {valid}")
                bad += 1
    elif mode == "failed":
        cache = os.path.join(os.environ["XDG_CACHE_HOME"], "thumbnails")
        gnome = os.path.join(cache, "fail", "gnome-thumbnail-factory")
        shutil.rmtree(gnome, ignore_errors=True)
        shutil.copytree(arg, gnome)
        factory = GnomeDesktop.DesktopThumbnailFactory.new(SIZES["normal"])
        for p in paths:
            uri, mtime = uri_mtime(p)
            if not factory.has_valid_failed_thumbnail(uri, mtime):
                print(f"failed: {uri}: no valid failure entry")
                bad += 1
        shutil.rmtree(gnome)
    else:
        sys.exit(f"unknown mode {mode}")
    print(f"{mode}: {len(paths)} files, {bad} not accepted")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
