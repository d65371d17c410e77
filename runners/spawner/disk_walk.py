"""What a run's dirs hold on disk, walked inside the spawner (spawner.py's "measure").

Every run ends with a measure of its dirs, and the app waits for it: as `du` (a shell and two
walks, three process starts) it was a third of what Sluice spent per project. This walk counts as
`du -s -x -B1` and `du -s -x --inodes` do: each inode once (by device and number, so a hard link
or a dir given twice counts once), its blocks of 512 bytes, nothing on another file system, a
symlink as itself. It goes by file descriptors (openat, fstatat), never by a path a run could swap
for a symlink, and is bounded: a tree with more entries or depth than it takes is left to `du`,
which walks any tree.
"""

import os
import stat

# Beyond these the app measures with `du` instead: a walk here holds a thread of the spawner,
# and each level one descriptor.
MAX_ENTRIES = 20000
MAX_DEPTH = 64

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class LeftOut(Exception):
    """A dir the walk could not read (the run made it unreadable): what it holds is unknown."""


class NotMine(Exception):
    """A tree this walk does not take (too large, too deep, changing under it): `du` measures it."""


class Totals:
    def __init__(self):
        self.bytes = 0
        self.inodes = 0
        self.entries = 0
        self.seen = set()

    def count(self, st):
        self.entries += 1
        if self.entries > MAX_ENTRIES:
            raise NotMine("more than %d entries" % MAX_ENTRIES)
        key = (st.st_dev, st.st_ino)
        if key in self.seen:
            return
        self.seen.add(key)
        self.bytes += st.st_blocks * 512
        self.inodes += 1


def measure(dirs):
    """{"bytes", "inodes"}, or {"leftOut": True}, or {"unknown": why} for the app to ask `du`."""
    totals = Totals()
    try:
        for top in dirs:
            walk_top(top, totals)
    except LeftOut:
        return {"leftOut": True}
    except NotMine as e:
        return {"unknown": str(e)}
    except OSError as e:
        return {"unknown": "%s: %s" % (type(e).__name__, e)}
    return {"bytes": totals.bytes, "inodes": totals.inodes}


def walk_top(top, totals):
    try:
        st = os.lstat(top)
    except FileNotFoundError:
        return
    totals.count(st)
    if not stat.S_ISDIR(st.st_mode):
        return
    fd = open_dir(top, None)
    if fd is None:
        return
    # One (descriptor, subdirs still to walk) per level: descriptors held = depth.
    stack = []
    try:
        stack.append((fd, list_dir(fd, st.st_dev, totals)))
        while stack:
            parent, names = stack[-1]
            if not names:
                stack.pop()
                os.close(parent)
                continue
            child = open_dir(names.pop(), parent)
            if child is None:
                continue
            if len(stack) >= MAX_DEPTH:
                os.close(child)
                raise NotMine("deeper than %d levels" % MAX_DEPTH)
            try:
                stack.append((child, list_dir(child, st.st_dev, totals)))
            except BaseException:
                os.close(child)
                raise
    finally:
        for parent, _ in stack:
            os.close(parent)


def open_dir(name, parent):
    """The dir's descriptor, None once it is gone; never through a symlink (ELOOP: not ours)."""
    try:
        return os.open(name, DIR_FLAGS, dir_fd=parent)
    except FileNotFoundError:
        return None
    except PermissionError as e:
        raise LeftOut() from e


def list_dir(fd, dev, totals):
    """Counts the dir's entries; returns the names of its subdirs on the same file system."""
    subdirs = []
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if st.st_dev != dev:
                    continue
                totals.count(st)
                if stat.S_ISDIR(st.st_mode):
                    subdirs.append(entry.name)
    except PermissionError as e:
        # Listed but not entered (mode 0400): its entries cannot be stat'ed.
        raise LeftOut() from e
    return subdirs
