#!/usr/bin/python3
"""Entrypoint of the eqmd-e2e Synapse stand-in image (written for tests/e2e).

Modes (first argument, default `run`):

  run [ARGS...]  Start Synapse (module $SYNAPSE_WORKER, default synapse.app.homeserver) with
                 ARGS. Explicit --config-path/-c arguments are kept as given; only when there
                 is none is $SYNAPSE_CONFIG_PATH (default $SYNAPSE_CONFIG_DIR/homeserver.yaml,
                 SYNAPSE_CONFIG_DIR default /data) added, and it must exist.
  generate       Write a config with Synapse's --generate-config from SYNAPSE_SERVER_NAME and
                 SYNAPSE_REPORT_STATS into SYNAPSE_CONFIG_DIR / SYNAPSE_DATA_DIR (default /data),
                 unless the config file already exists.

Users: started as a non-root user (`docker run --user`), everything runs as that user.
Started as root, it drops to $UID:$GID (default 991:991) before running Synapse; in
`generate` mode the data and config directories are chowned to that user first.
"""

import os
import subprocess
import sys

DEFAULT_OWNER = 991


def log(msg: str) -> None:
    print(f"start.py: {msg}", file=sys.stderr, flush=True)


def fail(msg: str) -> "None":
    log(msg)
    sys.exit(1)


def target_ids(env: dict) -> "tuple[int, int] | None":
    """The uid/gid to drop to, or None when not started as root."""
    if os.getuid() != 0:
        return None
    try:
        uid = int(env.get("UID", DEFAULT_OWNER))
        gid = int(env.get("GID", DEFAULT_OWNER))
    except ValueError:
        fail(f"UID and GID must be numbers (got UID={env.get('UID')!r} GID={env.get('GID')!r})")
    return uid, gid


def drop_privileges(ids: "tuple[int, int] | None") -> None:
    if ids is None:
        return
    uid, gid = ids
    try:
        os.setgroups([gid])
        os.setgid(gid)
        os.setuid(uid)
    except PermissionError as e:
        fail(f"cannot switch to {uid}:{gid} ({e}); start the container with --user {uid}:{gid} instead")


def exec_synapse(args: "list[str]", env: dict, ids: "tuple[int, int] | None") -> None:
    argv = [sys.executable] + args
    log("starting synapse: " + " ".join(argv) + (f" as {ids[0]}:{ids[1]}" if ids else f" as uid {os.getuid()}"))
    drop_privileges(ids)
    env.setdefault("HOME", "/")
    os.execve(sys.executable, argv, env)


def has_config_arg(args: "list[str]") -> bool:
    return any(a in ("-c", "--config-path") or a.startswith("--config-path=") or
               (a.startswith("-c") and not a.startswith("--")) for a in args)


def run(args: "list[str]", env: dict, ids) -> None:
    if "-m" not in args:
        args = ["-m", env.get("SYNAPSE_WORKER", "synapse.app.homeserver")] + args
    if not has_config_arg(args):
        config_dir = env.get("SYNAPSE_CONFIG_DIR", "/data")
        config_path = env.get("SYNAPSE_CONFIG_PATH", os.path.join(config_dir, "homeserver.yaml"))
        if not os.path.exists(config_path):
            fail(f"no config file at {config_path}: pass --config-path, set SYNAPSE_CONFIG_PATH, "
                 "or create one with the `generate` mode")
        args = args + ["--config-path", config_path]
    exec_synapse(args, env, ids)


def generate(env: dict, ids) -> None:
    for var in ("SYNAPSE_SERVER_NAME", "SYNAPSE_REPORT_STATS"):
        if not env.get(var):
            fail(f"generate mode needs {var}")
    report = env["SYNAPSE_REPORT_STATS"]
    if report not in ("yes", "no"):
        fail(f"SYNAPSE_REPORT_STATS must be yes or no (got {report!r})")
    config_dir = env.get("SYNAPSE_CONFIG_DIR", "/data")
    data_dir = env.get("SYNAPSE_DATA_DIR", "/data")
    config_path = env.get("SYNAPSE_CONFIG_PATH", os.path.join(config_dir, "homeserver.yaml"))
    if os.path.exists(config_path):
        log(f"{config_path} exists; not generating a new config")
        return
    for d in {config_dir, data_dir, os.path.dirname(config_path)}:
        os.makedirs(d, exist_ok=True)
        if ids is not None:
            os.chown(d, ids[0], ids[1])
    args = [sys.executable, "-m", "synapse.app.homeserver",
            "--server-name", env["SYNAPSE_SERVER_NAME"], "--report-stats", report,
            "--config-path", config_path, "--config-directory", config_dir,
            "--data-directory", data_dir, "--generate-config", "--open-private-ports"]
    log("generating config: " + " ".join(args))
    rc = subprocess.call(args, env=env, preexec_fn=(lambda: drop_privileges(ids)) if ids else None)
    sys.exit(rc)


def main() -> None:
    env = dict(os.environ)
    ids = target_ids(env)
    mode = sys.argv[1] if len(sys.argv) > 1 else "run"
    if mode == "run":
        run(sys.argv[2:], env, ids)
    elif mode == "generate":
        generate(env, ids)
    else:
        fail(f"unknown mode {mode!r}: use `run [synapse args...]` or `generate`")


if __name__ == "__main__":
    main()
