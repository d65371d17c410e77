"""The spawner: a small process that starts every tool for the app and relays its output.

Node starts a child by forking the whole calling process (~4 ms of CPU per start here, most of it
copying page tables in the kernel); posix_spawn(3) starts it without a copy (~0.2 ms). The app
talks to this process over its stdin and stdout, in frames (see spawner-frames.ts): a 4-byte
header length, a 4-byte payload length (big-endian), a JSON header, then the payload's bytes.

App to spawner: {"type":"spawn","id","file","args","cwd","env","stdin","stdoutFile"?},
{"type":"stdin","id"} with the bytes as payload, {"type":"stdin-end","id"}, {"type":"measure","id",
"dirs"} (what the dirs hold on disk, walked on a thread of this process: disk_walk.py). With
"stdoutFile", the tool's stdout is that new file (created here, never an existing one), not relayed.
Spawner to app, first {"type":"ready","executable"}: the interpreter it runs in (a later start
can run that file directly instead of looking `python3` up again, through a version manager's
shim, say); then, in order per id: {"type":"spawned","id","pid"} or {"type":"failed","id",
"message","code"}, {"type":"output","id","fd"} with the bytes, then {"type":"exited","id","code",
"signal"} once the tool has exited and both its output pipes have ended; for a measure,
{"type":"measured","id"} with "bytes" and "inodes", or "leftOut", or "unknown" (the app asks `du`).

The app's end of stdin closing (the app exited or let this spawner go) kills every tool still
running, with its process group, and ends this process.
"""

import sys

# Before anything a newer Python has: the app tells this exit code apart (spawner.ts).
if sys.version_info < (3, 8):
    sys.stderr.write("sluice spawner: needs Python 3.8 or later\n")
    sys.exit(3)

import errno  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import selectors  # noqa: E402
import signal  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402

# -I keeps this script's dir off the path; its own module beside it is the one wanted.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import disk_walk  # noqa: E402

HEADER = struct.Struct(">II")
READ_SIZE = 65536
# Every signal back to its default in the tools (this process ignores SIGPIPE, as Python does).
DEFAULT_SIGNALS = [s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)]

sel = selectors.DefaultSelector()
# id -> tool: {"pid", "open": set of fds still to end, "status": wait status once reaped,
# "stdin": fd or None, "pending": bytearray still to write to stdin, "end_stdin": bool}
tools = {}
by_pid = {}
# A measure's thread sends too: one frame at a time.
send_lock = threading.Lock()


def send(header, payload=b""):
    body = json.dumps(header, separators=(",", ":")).encode()
    data = HEADER.pack(len(body), len(payload)) + body + payload
    # Blocking writes: while the app does not take what was relayed, no tool's output is read
    # on, so each tool is held back by its own pipe instead of piling up here.
    view = memoryview(data)
    with send_lock:
        while view:
            n = os.write(1, view)
            view = view[n:]


def find(file, env):
    """The program a name means: as given when it holds a slash, else the first executable file on
    the tool's PATH; as execvp(3) does, a file found but not executable is EACCES, none ENOENT."""
    if "/" in file:
        return file
    denied = False
    for d in env.get("PATH", "/usr/bin:/bin").split(":"):
        candidate = os.path.join(d or ".", file)
        if os.path.isfile(candidate):
            if os.access(candidate, os.X_OK):
                return candidate
            denied = True
    code = errno.EACCES if denied else errno.ENOENT
    raise OSError(code, os.strerror(code))


def spawn_tool(path, argv, env, file_actions):
    common = dict(
        file_actions=file_actions,
        # Own session and process group, so the app can end a tool with all it started.
        setsid=True,
        setsigdef=DEFAULT_SIGNALS,
        setsigmask=[],
    )
    try:
        return os.posix_spawn(path, argv, env, **common)
    except OSError as e:
        # A script without a #! line: run by the shell, as execvp(3) (and so Node) does.
        if e.errno != errno.ENOEXEC:
            raise
        return os.posix_spawn("/bin/sh", ["sh", path, *argv[1:]], env, **common)


def failed(tool_id, file, e):
    code = errno.errorcode.get(getattr(e, "errno", None) or 0, "EINVAL") if isinstance(e, OSError) else "EINVAL"
    send({"type": "failed", "id": tool_id, "message": f"spawn {file} {code}", "code": code})


def start(m):
    tool_id, file = m["id"], m["file"]
    fds = []
    try:
        err_r, err_w = os.pipe()
        fds += [err_r, err_w]
        if m.get("stdoutFile"):
            out_r = out_w = None
            # O_EXCL with O_CREAT refuses an existing file or a symlink planted in its place.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
            stdout_action = (os.POSIX_SPAWN_OPEN, 1, m["stdoutFile"], flags, 0o600)
        else:
            out_r, out_w = os.pipe()
            fds += [out_r, out_w]
            stdout_action = (os.POSIX_SPAWN_DUP2, out_w, 1)
        if m.get("stdin"):
            in_r, in_w = os.pipe()
            fds += [in_r, in_w]
            stdin_action = (os.POSIX_SPAWN_DUP2, in_r, 0)
        else:
            in_w = None
            stdin_action = (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)
        env = m["env"]
        # One thread: the working directory is this process's for the length of the call, and a
        # relative PATH entry or path means the tool's directory, as it would for a forked child.
        os.chdir(m["cwd"])
        try:
            file_actions = [stdin_action, stdout_action, (os.POSIX_SPAWN_DUP2, err_w, 2)]
            pid = spawn_tool(find(file, env), [file, *m["args"]], env, file_actions)
        finally:
            os.chdir("/")
    except (OSError, ValueError, TypeError, KeyError) as e:
        for fd in fds:
            os.close(fd)
        failed(tool_id, file, e)
        return
    if out_w is not None:
        os.close(out_w)
    os.close(err_w)
    if in_w is not None:
        os.close(in_r)
        os.set_blocking(in_w, False)
    outputs = {fd: n for fd, n in ((out_r, 1), (err_r, 2)) if fd is not None}
    tool = {"id": tool_id, "pid": pid, "open": set(outputs), "status": None, "stdin": in_w, "pending": bytearray(), "end_stdin": False}
    tools[tool_id] = tool
    by_pid[pid] = tool
    for fd, n in outputs.items():
        sel.register(fd, selectors.EVENT_READ, (tool, n))
    send({"type": "spawned", "id": tool_id, "pid": pid})


def signal_name(n):
    """SIGKILL, SIGTERM, …; a real-time signal has no name of its own in Python (Node: SIGRT…)."""
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"SIG{n}"


def finish_if_done(tool):
    if tool["status"] is None or tool["open"]:
        return
    close_stdin(tool)
    del tools[tool["id"]]
    status = tool["status"]
    if os.WIFSIGNALED(status):
        code, sig = None, signal_name(os.WTERMSIG(status))
    else:
        code, sig = os.WEXITSTATUS(status), None
    send({"type": "exited", "id": tool["id"], "code": code, "signal": sig})


def close_stdin(tool):
    fd = tool["stdin"]
    if fd is None:
        return
    try:
        sel.unregister(fd)
    except KeyError:
        pass
    os.close(fd)
    tool["stdin"] = None
    tool["pending"] = bytearray()


def write_stdin(tool):
    """What the app sent for the tool's stdin, as far as its pipe takes it now (never blocking)."""
    fd = tool["stdin"]
    if fd is None:
        return
    try:
        while tool["pending"]:
            n = os.write(fd, tool["pending"])
            # In place: a large input is not copied again after every write the pipe takes.
            del tool["pending"][:n]
    except BlockingIOError:
        pass
    except OSError:
        # The tool closed its stdin (EPIPE): what is left is not for anyone.
        close_stdin(tool)
        return
    want_write = bool(tool["pending"])
    key = sel.get_map().get(fd)
    if want_write and key is None:
        sel.register(fd, selectors.EVENT_WRITE, (tool, 0))
    elif not want_write and key is not None:
        sel.unregister(fd)
    if not want_write and tool["end_stdin"]:
        close_stdin(tool)


def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        tool = by_pid.pop(pid, None)
        if tool is not None:
            tool["status"] = status
            finish_if_done(tool)


def on_message(header, payload):
    kind = header.get("type")
    if kind == "spawn":
        try:
            start(header)
        except Exception as e:  # noqa: BLE001
            failed(header.get("id"), header.get("file"), e)
        return
    if kind == "measure":
        # On a thread: the walk must not hold back the tools' output relayed here meanwhile.
        try:
            threading.Thread(target=measure, args=(header.get("id"), header.get("dirs") or []), daemon=True).start()
        except RuntimeError as e:
            # No thread to be had: answered at once (the app measures with `du`), never left waiting.
            send({"type": "measured", "id": header.get("id"), "unknown": f"no thread for the walk: {e}"})
        return
    tool = tools.get(header.get("id"))
    if tool is None:
        return
    if kind == "stdin":
        if tool["stdin"] is not None:
            tool["pending"] += payload
            write_stdin(tool)
    elif kind == "stdin-end":
        tool["end_stdin"] = True
        write_stdin(tool)


def measure(measure_id, dirs):
    try:
        result = disk_walk.measure(dirs)
    except Exception as e:  # noqa: BLE001
        result = {"unknown": "%s: %s" % (type(e).__name__, e)}
    try:
        send({"type": "measured", "id": measure_id, **result})
    except OSError:
        # The app is gone: the main loop ends this process.
        pass


def kill_all():
    for tool in tools.values():
        try:
            os.killpg(tool["pid"], signal.SIGKILL)
        except OSError:
            pass


def main():
    os.chdir("/")
    # A terminal's Ctrl-C or hang-up reaches the app's whole process group: the app shuts down
    # and waits for its runs, so the spawner stays until the app lets it go (its stdin ends).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # SIGCHLD wakes the loop through a pipe; the handler itself does nothing.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sel.register(wake_r, selectors.EVENT_READ, ("wake", 0))
    sel.register(0, selectors.EVENT_READ, ("app", 0))
    send({"type": "ready", "executable": sys.executable})
    while True:
        for key, _ in sel.select():
            guarded(on_event, key)
        # Every exit is reaped here, once per round (a SIGCHLD only wakes the loop).
        guarded(reap)


class AppGone(Exception):
    pass


def guarded(step, *args):
    """One tool's trouble is not every tool's: an error is logged and the others run on."""
    try:
        step(*args)
    except (AppGone, BrokenPipeError, ConnectionResetError):
        raise
    except Exception as e:  # noqa: BLE001
        sys.stderr.write(f"sluice spawner: {type(e).__name__}: {e}\n")


# Frames from the app not yet whole.
inbox = bytearray()


def on_event(key):
    what, fd_no = key.data
    if what == "wake":
        try:
            while os.read(key.fd, 512):
                pass
        except BlockingIOError:
            pass
    elif what == "app":
        chunk = os.read(0, READ_SIZE)
        if not chunk:
            raise AppGone()
        inbox.extend(chunk)
        while len(inbox) >= HEADER.size:
            hlen, plen = HEADER.unpack_from(inbox)
            if len(inbox) < HEADER.size + hlen + plen:
                break
            header = json.loads(inbox[HEADER.size : HEADER.size + hlen])
            payload = bytes(inbox[HEADER.size + hlen : HEADER.size + hlen + plen])
            del inbox[: HEADER.size + hlen + plen]
            on_message(header, payload)
    elif fd_no == 0:
        write_stdin(what)
    else:
        tool = what
        data = os.read(key.fd, READ_SIZE)
        if data:
            send({"type": "output", "id": tool["id"], "fd": fd_no}, data)
        else:
            sel.unregister(key.fd)
            os.close(key.fd)
            tool["open"].discard(key.fd)
            finish_if_done(tool)


if __name__ == "__main__":
    try:
        main()
    except (AppGone, BrokenPipeError, ConnectionResetError):
        # The app is gone (its end of stdin closed, or a write to it failed): nothing to tell it.
        pass
    finally:
        # However this process ends (the app gone, a write to it failing), no tool outlives it.
        kill_all()
